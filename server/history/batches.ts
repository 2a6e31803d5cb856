// Deleting or writing many rows without holding up orders: a batch at a time, the event loop free between,
// each batch sized to take about BATCH_TARGET_MS on this machine (issue 16: a purge never
// holds the loop over 20 ms), whatever a row costs there.
import { performance } from "node:perf_hooks";
import { setImmediate as turn } from "node:timers/promises";

/** The first batch's rows: under a millisecond on an ordinary disk, 10 ms where a row costs 0.2 ms. */
export const FIRST_BATCH = 50;
/**
 * What each later batch aims to take: a quarter of the 20 ms allowed, as a row's cost moves from one
 * batch to the next (a year's purge on 2 busy cores: 6 µs a row at the median, 17 at p90, 53 at p99).
 */
export const BATCH_TARGET_MS = 5;
const MIN_BATCH = 10;
const MAX_BATCH = 2_000;

export interface Batched {
  /** Rows the batches deleted or wrote. */
  rows: number;
  batches: number;
  /** The longest batch, in ms. */
  slowest: number;
}

/** The next batch's size after `size` rows took `tookMs`: scaled to the target, at most doubled (one quick batch proves little). */
export function nextBatchSize(size: number, tookMs: number): number {
  const scaled = tookMs > 0 ? Math.floor((size * BATCH_TARGET_MS) / tookMs) : 2 * size;
  return Math.min(MAX_BATCH, 2 * size, Math.max(MIN_BATCH, scaled));
}

/** Runs `batch` (deletes or writes at most `size` rows, says how many) until it does fewer, or `stop` says so. */
export async function inBatches(
  batch: (size: number) => number,
  stop: () => boolean = () => false,
  clock = () => performance.now(),
): Promise<Batched> {
  const result: Batched = { rows: 0, batches: 0, slowest: 0 };
  let size = FIRST_BATCH;
  while (!stop()) {
    const started = clock();
    const done = batch(size);
    if (!done) break;
    const took = clock() - started;
    result.slowest = Math.max(result.slowest, took);
    result.rows += done;
    result.batches++;
    if (done < size) break;
    size = nextBatchSize(size, took);
    await turn(); // orders and panels go first
  }
  return result;
}
