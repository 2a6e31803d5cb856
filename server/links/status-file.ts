// The telegraph's side as a file: it writes its order into the status file; we watch it and hand
// each position to the core. Orders from panels are written back here, so the file always holds
// the current order.
import type { Face } from "../../lib/protocol";
import type { Logger } from "../log";
import { readPositionFile, writePositionFile } from "./position-file";
import { watchFile } from "./watch-file";

/**
 * chokidar drops a `change` that follows the previous one within 50 ms; reading once more after
 * a quiet spell longer than that makes the last write always win. Not a settle delay: the first
 * read happens at once.
 */
const TRAILING_READ_MS = 75;

export interface LinkHealth {
  link: "status-file";
  file: string;
  state: "watching" | "error";
  /** Why the last read was refused, while it stands. */
  error?: string;
}

export interface StatusFileLink {
  /** Resolves once the watch is in place. */
  ready: Promise<void>;
  health(): LinkHealth;
  /** Puts an order from a panel or the API into the status file. */
  write(position: number): Promise<void>;
  close(): Promise<void>;
}

export function openStatusFile(options: {
  file: string;
  face: Face;
  log: Logger;
  onOrder: (position: number) => void;
}): StatusFileLink {
  const { file, face, log, onOrder } = options;
  let error: string | undefined;
  let reading = false;
  let again = false;
  // Our own writes: a read must not overlap one, or it may see the old order and bring it back.
  let writes = 0;
  let writing: Promise<void> | undefined;
  let trailing: NodeJS.Timeout | undefined;

  async function read(): Promise<void> {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      do {
        again = false;
        while (writing) await writing.catch(() => {});
        const before = writes;
        const result = await readPositionFile(file, face);
        if (before !== writes) again = true;
        else if (result.kind === "position") {
          error = undefined;
          onOrder(result.position);
        } else if (result.kind === "error" && result.error !== error) {
          error = result.error;
          log.warn(`status file ${file} ignored: ${error}`);
        }
      } while (again);
    } finally {
      reading = false;
    }
  }

  function changed(): void {
    void read();
    clearTimeout(trailing);
    trailing = setTimeout(() => void read(), TRAILING_READ_MS);
  }

  const watch = watchFile(file, changed, (e) => log.error(`watching ${file}: ${e.message}`));

  return {
    ready: watch.ready,
    health: () => ({ link: "status-file", file, state: error ? "error" : "watching", ...(error && { error }) }),
    async write(position) {
      writes++;
      const done = writePositionFile(file, position).finally(() => {
        if (writing === done) writing = undefined;
      });
      writing = done;
      await done;
    },
    async close() {
      clearTimeout(trailing);
      await watch.close();
    },
  };
}
