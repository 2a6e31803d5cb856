// The one clock every benchmark process times with: process.hrtime, CLOCK_MONOTONIC on Linux, shared
// by all processes on the machine. Date.now() and performance.timeOrigin are not: each process
// fixes its own origin, and under load they drift apart by tens of milliseconds.

/** CLOCK_MONOTONIC in milliseconds (sub-millisecond precision for uptimes up to months). */
export const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;
