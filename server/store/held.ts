// One server to a data folder, unless they are nodes of one (--redis, docs/scaling.md).
import Database from "better-sqlite3";
import { privateFileIn } from "./store";

/** The file whose lock says who serves from the folder: one empty table, never written again. */
export const HOLD_FILE = "server.lock";
/** How long a start waits for a hold another takes at the same moment (nodes started at once on a new folder). */
const WAIT_MS = 1000;

/**
 * Holds `dataDir` until the returned function lets go: for this server alone, or, for a node on
 * Redis (`node`), with the other nodes alone. A second server on the same folder would read the
 * same status file and keep the same store, each numbering its own orders (two took one write
 * each as its order #1). The hold is a SQLite transaction on a file of its own, never committed:
 * exclusive, or shared by the nodes (a read). The kernel's lock goes with the process however it
 * ends (SIGKILL, a crash), so there is nothing stale to clean up. Throws, saying so, when it cannot.
 */
export function holdDataFolder(dataDir: string, { node = false } = {}): () => void {
  const db = new Database(privateFileIn(dataDir, HOLD_FILE), { timeout: WAIT_MS });
  try {
    db.exec("CREATE TABLE IF NOT EXISTS hold (held)"); // an empty file would keep no shared lock
    if (!node) db.exec("BEGIN EXCLUSIVE");
    else {
      db.exec("BEGIN");
      db.prepare("SELECT count(*) FROM hold").get();
    }
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code !== "SQLITE_BUSY") throw error;
    const what = node
      ? "a Chadburn server that is not a node on Redis: stop it, or start it with --redis too"
      : "another Chadburn server: stop that one first";
    throw new Error(`the data folder ${dataDir} is in use by ${what} (several nodes of one server: --redis, docs/scaling.md)`, { cause: error });
  }
  return () => db.close();
}
