// Preloaded into the soak's and the benchmark's servers (HEAP_PROBE_ARGS, bench/proc.ts): on
// SIGUSR2 it collects every piece of garbage and prints what is left. V8 lets garbage pile up for minutes before its
// first full collection, so the heap in use at any moment cannot tell a leak from that; the heap
// right after a full collection can.
const collect = globalThis.gc;
if (!collect) throw new Error("heap-probe needs node --expose-gc");

process.on("SIGUSR2", () => {
  const started = performance.now();
  collect();
  const pauseMs = performance.now() - started; // the server does nothing else meanwhile
  const { heapUsed, external } = process.memoryUsage();
  console.log(`heap-probe ${heapUsed} ${external} ${pauseMs.toFixed(0)}`);
});
