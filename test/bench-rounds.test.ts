// The benchmark's rounds (--rounds K, bench/report.ts): each server is reported by its median run,
// so that one round the machine's other work slowed, or sped, decides nothing.
import { expect, it } from "vitest";
import { type Run, medianRun, table } from "../bench/report";

/** A run whose p99 is `p99` ms (null: no receipts), named by its `connectMs` to tell which was picked. */
const run = (p99: number | null, id: number) =>
  ({
    server: "chadburn",
    fleet: "bare",
    n: 1000,
    connected: 1000,
    connectFailed: 0,
    connectMs: id,
    writes: 50,
    missed: 0,
    writesNoneSaw: 0,
    endedFinal: 1000,
    latencyMs: p99 === null ? null : { p50: p99 / 3, p95: p99 / 2, p99, max: p99 * 2, mean: p99 / 3 },
    memory: { heapPerClientKb: 10, rssPerClientKb: 12 },
    cpuPerOrderMs: 20,
    clientCpuPerOrderMs: 40,
    bytesPerOrder: { orders: 191, all: 191, byKind: {} },
  }) as unknown as Run;

it("picks the run whose p99 is the median, the lower middle one of an even number, one without receipts as the slowest", () => {
  expect(medianRun([run(90, 1), run(40, 2), run(50, 3)]).connectMs).toBe(3);
  expect(medianRun([run(null, 1), run(40, 2), run(300, 3)]).connectMs).toBe(3);
  expect(medianRun([run(70, 1), run(40, 2), run(50, 3), run(60, 4)]).connectMs).toBe(3);
  expect(medianRun([run(null, 1)]).connectMs).toBe(1);
});

it("says each server's p99 in every round under the table", () => {
  const lines = table([
    { n: 1000, fleet: "bare", ratios: [], chadburn: run(50, 3), p99ByRound: { chadburn: [90, 40, 50], "floor-raw": [35, null, 30.25] } },
  ]);
  expect(lines.at(-1)).toBe(
    "1,000 bare: each server's median run of its rounds, whose p99s (ms) were: chadburn 90.0, 40.0, 50.0; floor-raw 35.0, –, 30.3",
  );
});
