// The store's WAL checkpoints, off the event loop (performance). SQLite copies the WAL back into the
// database once it holds 1,000 pages, synchronously, inside the commit that crossed the line: every
// ~230 orders, one order's store write took 7-15 ms instead of 0.1 ms before any panel saw it (4 MB
// copied and synced; longer on slow storage). The server's connection no longer does that; a worker
// thread with a connection of its own checkpoints every second, PASSIVE: it neither waits for nor
// holds up the server's writes, which go on appending meanwhile, and the WAL starts over once all of
// it is in the database.
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type { Store } from "./store";

export const CHECKPOINT_EVERY_MS = 1000;

/** What `PRAGMA wal_checkpoint` says: WAL frames in all, and how many are now in the database. */
export interface Checkpointed {
  busy: number;
  log: number;
  checkpointed: number;
}

export interface Checkpoints {
  /** Checkpoints now (tests); resolves with what SQLite says. */
  now(): Promise<Checkpointed>;
  close(): Promise<void>;
}

// CommonJS, evaluated as the worker's code: a checkpoint per message, its result or error back.
const WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.sqlite);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma("busy_timeout = 5000");
parentPort.on("message", () => {
  try {
    parentPort.postMessage(db.pragma("wal_checkpoint(PASSIVE)")[0]);
  } catch (error) {
    parentPort.postMessage({ error: error.message });
  }
});
`;

export function checkpointElsewhere(store: Store, onError: (error: Error) => void): Checkpoints {
  store.pragma("wal_autocheckpoint = 0");
  const sqlite = createRequire(import.meta.url).resolve("better-sqlite3");
  const worker = new Worker(WORKER, { eval: true, workerData: { sqlite, file: store.name } });
  worker.unref();
  worker.on("error", onError);
  // One checkpoint at a time: a timer's tick while one runs (a slow disk) is skipped.
  let waiting: ((result: Checkpointed | { error: string }) => void)[] = [];
  worker.on("message", (result: Checkpointed | { error: string }) => waiting.splice(0).forEach((resolve) => resolve(result)));
  const run = () =>
    new Promise<Checkpointed | { error: string }>((resolve) => {
      if (!waiting.length) worker.postMessage("checkpoint");
      waiting.push(resolve);
    });
  const timer = setInterval(() => {
    if (!waiting.length) void run().then((result) => "error" in result && onError(new Error(`store checkpoint: ${result.error}`)));
  }, CHECKPOINT_EVERY_MS).unref();
  return {
    async now() {
      const result = await run();
      if ("error" in result) throw new Error(result.error);
      return result;
    },
    async close() {
      clearInterval(timer);
      waiting = [];
      await worker.terminate();
    },
  };
}
