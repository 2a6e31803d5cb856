// The server's own database in the data folder (people, sessions, tokens): SQLite through
// better-sqlite3, brought to the newest schema on open.
import { mkdirSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { MIGRATIONS } from "./migrations";

export type Store = Database.Database;

export const STORE_FILE = "chadburn.db";

/** Opens (creating if needed) the store in `dataDir` and applies the migrations it lacks. */
export function openStore(dataDir: string): Store {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(path.join(dataDir, STORE_FILE));
  // WAL: the server reads while the `chadburn` command writes; a crash loses no committed change.
  db.pragma("journal_mode = WAL");
  db.pragma("foreign_keys = ON");
  // With WAL, a commit waits for no disk flush (a checkpoint does): an order is never held up by an fsync.
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 5000");
  const applied = db.pragma("user_version", { simple: true }) as number;
  if (applied > MIGRATIONS.length) {
    db.close();
    throw new Error(`${path.join(dataDir, STORE_FILE)} is from a newer Chadburn (schema ${applied}, this one knows ${MIGRATIONS.length})`);
  }
  db.transaction(() => {
    MIGRATIONS.slice(applied).forEach((sql, i) => {
      db.exec(sql);
      db.pragma(`user_version = ${applied + i + 1}`);
    });
  })();
  return db;
}
