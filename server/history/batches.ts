// Deleting many rows without holding up orders: a batch at a time, the event loop free between.
import { performance } from "node:perf_hooks";
import { setImmediate as turn } from "node:timers/promises";

/** Rows deleted at a time: a few ms of work (the store's events are pruned so too: server/store/memory.ts). */
export const PURGE_BATCH = 500;

export interface Purged {
  deleted: number;
  batches: number;
  /** The longest batch, in ms. */
  slowest: number;
}

/** Runs `batch` (deletes at most `size` rows, says how many) until it deletes fewer, or `stop` says so. */
export async function inBatches(batch: (size: number) => number, stop: () => boolean = () => false, size = PURGE_BATCH): Promise<Purged> {
  const result: Purged = { deleted: 0, batches: 0, slowest: 0 };
  while (!stop()) {
    const started = performance.now();
    const deleted = batch(size);
    if (!deleted) break;
    result.slowest = Math.max(result.slowest, performance.now() - started);
    result.deleted += deleted;
    result.batches++;
    if (deleted < size) break;
    await turn(); // orders and panels go first
  }
  return result;
}
