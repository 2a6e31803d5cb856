// The server's own database in the data folder: the telegraph's memory (memory.ts), people, sessions,
// tokens, the audit log and push subscriptions; SQLite through better-sqlite3, brought to the
// newest schema on open (migrations.ts).
import { chmodSync, closeSync, mkdirSync, openSync, statSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { MIGRATIONS } from "./migrations";

export type Store = Database.Database;

export const STORE_FILE = "chadburn.db";

/**
 * The data folder and the store are the server's user's alone: the store holds password hashes,
 * sessions and the audit log. A folder we make is 0700; the store is made 0600 before SQLite opens
 * it (its -wal and -shm then take the same mode), and an older, wider store is narrowed to 0600.
 */
const PRIVATE_FOLDER = 0o700;
const PRIVATE_FILE = 0o600;

/** What to say at start when the data folder, made before us, lets other users in (undefined: it does not). */
export function exposedFolder(dataDir: string): string | undefined {
  const mode = statSync(dataDir, { throwIfNoEntry: false })?.mode;
  if (mode === undefined || !(mode & 0o007)) return undefined;
  const octal = (mode & 0o777).toString(8).padStart(4, "0");
  return (
    `data folder ${dataDir} is open to other users (mode ${octal}): chmod 700 it (750 to share the status and accept ` +
    `files with the telegraph's host's group); the store and vapid.json are the server's user's alone either way`
  );
}

/** Narrows an existing file to 0600; one we do not own (the `chadburn` command run by someone else) is left as it is. */
function narrow(file: string): void {
  try {
    if (statSync(file).mode & 0o077) chmodSync(file, PRIVATE_FILE);
  } catch {
    // gone, or not ours: nothing we may do about it
  }
}

/** The path of `name` in `dataDir`, both made if need be, private (an empty file is a new database to SQLite). */
export function privateFileIn(dataDir: string, name: string): string {
  mkdirSync(dataDir, { recursive: true, mode: PRIVATE_FOLDER });
  const file = path.join(dataDir, name);
  try {
    closeSync(openSync(file, "wx", PRIVATE_FILE));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  return file;
}

/** How long a statement waits for another process's lock on the store. */
const BUSY_MS = 5000;

/**
 * Switches the store to WAL. SQLite refuses that at once, without waiting (it could deadlock), while
 * another process opening the same new store holds a lock on it (nodes started together, the
 * command): tried again every 10 ms, for as long as any statement would wait.
 */
function toWal(db: Store): void {
  const until = Date.now() + BUSY_MS;
  for (;;) {
    try {
      db.pragma("journal_mode = WAL");
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== "SQLITE_BUSY" || Date.now() > until) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10); // openStore is synchronous
    }
  }
}

/** Opens (creating if needed) the store in `dataDir` and applies the migrations it lacks. */
export function openStore(dataDir: string): Store {
  const file = privateFileIn(dataDir, STORE_FILE);
  const db = new Database(file, { timeout: BUSY_MS });
  // WAL: the server reads while the `chadburn` command writes; a crash loses no committed change.
  toWal(db);
  db.pragma("foreign_keys = ON");
  // With WAL, a commit waits for no disk flush (a checkpoint does): an order is never held up by an fsync.
  db.pragma("synchronous = NORMAL");
  for (const made of [file, `${file}-wal`, `${file}-shm`]) narrow(made); // an older Chadburn's, 0644
  // The schema's version read and brought up in one write transaction, taken before the read:
  // several nodes started at once on one data folder (docs/scaling.md) must not each find the store
  // new and each run the migrations.
  const migrate = db.transaction(() => {
    const applied = db.pragma("user_version", { simple: true }) as number;
    if (applied > MIGRATIONS.length) throw new Error(`${file} is from a newer Chadburn (schema ${applied}, this one knows ${MIGRATIONS.length})`);
    MIGRATIONS.slice(applied).forEach((sql, i) => {
      db.exec(sql);
      db.pragma(`user_version = ${applied + i + 1}`);
    });
  });
  try {
    migrate.immediate();
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}
