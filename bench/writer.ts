// The benchmark's writer, a process of its own (bench/latency.ts forks it): writes the status file
// the way a simple host does (`echo 7 > status.eot`: open with truncate, write, close), one write
// per position given, each at least `gapMs` after the previous one began, and reports when each
// write began: process.hrtime just before open(), CLOCK_MONOTONIC on Linux, the clock the client
// processes time receipts with.
import { closeSync, openSync, writeSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { monotonicMs } from "./clock";

export type Write = { type: "write"; file: string; positions: number[]; gapMs: number };
export type Written = { type: "written"; at: number[] };

process.on("disconnect", () => process.exit(1)); // the bench is gone: so are we
process.once("message", async ({ file, positions, gapMs }: Write) => {
  const at: number[] = [];
  for (const position of positions) {
    // At least gapMs after the previous write began, however late this process was woken: a
    // writer held up by a busy machine must not then write twice in a row and overwrite itself.
    const wait = (at.at(-1) ?? -Infinity) + gapMs - monotonicMs();
    if (wait > 0) await sleep(wait);
    at.push(monotonicMs());
    const fd = openSync(file, "w"); // O_WRONLY | O_CREAT | O_TRUNC: open and truncate
    writeSync(fd, `${position}\n`);
    closeSync(fd);
  }
  process.send!({ type: "written", at } satisfies Written, () => process.exit(0));
});
