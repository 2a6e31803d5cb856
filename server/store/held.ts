// One server to a data folder, unless they are nodes of one (--redis, docs/scaling.md).
import Database from "better-sqlite3";
import { privateFileIn } from "./store";

/** The file whose lock says a server runs on the folder: empty, never written. */
export const HOLD_FILE = "server.lock";

/**
 * Holds `dataDir` for this server alone until the returned function lets go. A second server on
 * the same folder would read the same status file and keep the same store, each numbering its own
 * orders (two took one write each as its order #1). The hold is an exclusive SQLite transaction on
 * a file of its own, never committed: the kernel's lock goes with the process however it ends
 * (SIGKILL, a crash), so there is nothing stale to clean up. Throws, saying so, when another holds it.
 */
export function holdDataFolder(dataDir: string): () => void {
  const db = new Database(privateFileIn(dataDir, HOLD_FILE), { timeout: 0 });
  try {
    db.exec("BEGIN EXCLUSIVE");
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code !== "SQLITE_BUSY") throw error;
    throw new Error(
      `the data folder ${dataDir} is in use by another Chadburn server: stop that one first, or run both as nodes of one server (--redis, docs/scaling.md)`,
      { cause: error },
    );
  }
  return () => db.close();
}
