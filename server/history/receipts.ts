// How each order reached each panel (delivered, rang, muted, blocked), kept per telegraph, order and
// panel for the history. Receipts come a thousand a second with 10,000 panels: the gateway hands
// each to a sink that only queues it; the queue is written once a second, a batch at a time with
// the event loop free between (batches.ts), so that an order never waits behind it.
import type { Heard } from "../../lib/protocol";
import { RANK } from "../gateway/listeners";
import type { Logger } from "../log";
import type { Store } from "../store/store";
import { type Batched, inBatches } from "./batches";

/** How long receipts are kept (--keep-receipts-days): a count per order is all the history needs of them. */
export const KEEP_RECEIPTS_DAYS = 14;
/** Receipts are written this often, what is queued then in batches of a few milliseconds each. */
export const RECEIPTS_EVERY_MS = 1000;
const PURGE_EVERY_MS = 3600 * 1000;

/** One panel's report of how an order reached it. */
export interface KeptReceipt {
  seq: number;
  panel: string;
  heard: Heard;
  /** The panel's person, when it said. */
  name?: string;
  at: string;
}

/** Where the gateway hands a telegraph's receipts: it returns at once. */
export type ReceiptSink = (receipt: KeptReceipt) => void;

export interface Receipts {
  /** The sink of one telegraph's receipts. */
  sink(telegraph: string): ReceiptSink;
  /** Writes what is queued now in one transaction; how many rows. */
  flush(): number;
  /**
   * Writes what is queued now a batch at a time, each its own transaction and turn of the event
   * loop (the timer does it every second): 10,000 rows in one held the loop over 70 ms.
   */
  flushInBatches(): Promise<Batched>;
  /** Deletes receipts older than the retention, in batches. */
  purge(now?: Date): Promise<Batched>;
  /** Writes what is queued (and what a batched write has left) and stops. */
  close(): void;
}

/** A receipt as queued: with its telegraph. */
type Row = { telegraph: string } & KeptReceipt;

/** A report ranked no lower replaces the one kept: a bell that rang stays rung (listeners.ts). */
const rank = (column: string) =>
  `CASE ${column} ${Object.entries(RANK)
    .map(([heard, r]) => `WHEN '${heard}' THEN ${r}`)
    .join(" ")} END`;

export function openReceipts(store: Store, options: { log: Logger; keepDays?: number; schedule?: boolean }): Receipts {
  const { log } = options;
  const keepDays = options.keepDays ?? KEEP_RECEIPTS_DAYS;
  const upsert = store.prepare(`INSERT INTO receipts (telegraph, seq, panel, heard, name, at) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (telegraph, seq, panel) DO UPDATE SET heard = excluded.heard, name = coalesce(excluded.name, name), at = excluded.at
    WHERE ${rank("excluded.heard")} >= ${rank("heard")}`);
  const deleteBatch = store.prepare("DELETE FROM receipts WHERE id IN (SELECT id FROM receipts WHERE at < ? ORDER BY at LIMIT ?)");
  /** Queued, by telegraph, seq and panel: a panel's reports of one order between writes make one row. */
  let queued = new Map<string, Row>();
  const write = store.transaction((rows: Iterable<Row>) => {
    for (const r of rows) upsert.run(r.telegraph, r.seq, r.panel, r.heard, r.name ?? null, r.at);
  });
  let closed = false;
  let purging: Promise<Batched> | undefined;

  /** Rows taken from the queue by flushInBatches and not written yet. */
  let writing: Iterator<Row> | undefined;
  let inFlight: Promise<Batched> | undefined;

  /** Writes at most `size` rows of `rows` in one transaction; how many. */
  function writeSome(rows: Iterator<Row>, size: number): number {
    const some: Row[] = [];
    while (some.length < size) {
      const next = rows.next();
      if (next.done) break;
      some.push(next.value);
    }
    if (!some.length) return 0;
    try {
      write(some);
    } catch (error) {
      log.error(`store: writing ${some.length} receipts: ${(error as Error).message}`); // a count in the history, not worth a crash
    }
    return some.length;
  }

  function flush(): number {
    const left = writing ? writeSome(writing, Infinity) : 0;
    writing = undefined;
    if (!queued.size) return left;
    const rows = queued;
    queued = new Map();
    return left + writeSome(rows.values(), Infinity);
  }

  function flushInBatches(): Promise<Batched> {
    inFlight ??= (async () => {
      const rows = (writing = queued.values());
      queued = new Map();
      try {
        return await inBatches(
          (size) => (writing === rows ? writeSome(rows, size) : 0),
          () => closed,
        );
      } finally {
        if (writing === rows) writing = undefined;
        inFlight = undefined;
      }
    })();
    return inFlight;
  }

  function purge(now = new Date()): Promise<Batched> {
    const cutoff = new Date(now.getTime() - keepDays * 86_400_000).toISOString();
    purging ??= inBatches(
      (size) => deleteBatch.run(cutoff, size).changes,
      () => closed,
    )
      .then((purged) => {
        if (purged.rows) log.info(`store: purged ${purged.rows} receipts in ${purged.batches} batches (slowest ${purged.slowest.toFixed(1)} ms)`);
        return purged;
      })
      .catch((error: Error) => {
        log.error(`store: purging receipts: ${error.message}`);
        return { rows: 0, batches: 0, slowest: 0 };
      })
      .finally(() => (purging = undefined));
    return purging;
  }

  const timers: NodeJS.Timeout[] = [setInterval(() => void flushInBatches(), RECEIPTS_EVERY_MS).unref()];
  if (options.schedule ?? true) timers.push(setTimeout(() => void purge(), 0).unref(), setInterval(() => void purge(), PURGE_EVERY_MS).unref());

  return {
    sink: (telegraph) => (receipt) => {
      if (closed) return;
      const key = `${telegraph} ${receipt.seq} ${receipt.panel}`;
      const before = queued.get(key);
      if (!before || RANK[receipt.heard] >= RANK[before.heard]) queued.set(key, { ...receipt, name: receipt.name ?? before?.name, telegraph });
    },
    flush,
    flushInBatches,
    purge,
    close() {
      flush();
      closed = true;
      timers.forEach(clearInterval);
    },
  };
}
