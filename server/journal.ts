// The server's own memory across restarts and crashes: one JSON line per order or answer,
// appended. A kill -9 can cut only the last line, which reading skips; when the file holds twice
// what is kept, or was deleted, it is rewritten atomically with the newest lines.
import { type FileHandle, mkdir, open, readFile } from "node:fs/promises";
import path from "node:path";
import writeFileAtomic from "write-file-atomic";
import type { Logger } from "./log";
import type { JournalEntry } from "./telegraph/telegraph";

/** Entries kept: the last 1,000 orders and answers. */
export const JOURNAL_KEEP = 1000;

export interface Journal {
  /** The entries found at start, oldest first. */
  readonly entries: JournalEntry[];
  /** Queues an entry; entries are written in order, many at once when they come fast. */
  append(entry: JournalEntry): Promise<void>;
  close(): Promise<void>;
}

function parseLines(text: string, log: Logger, file: string): string[] {
  const lines = text.split("\n").filter(Boolean);
  const good = lines.filter((line) => {
    try {
      const entry = JSON.parse(line);
      return typeof entry === "object" && entry !== null && ("order" in entry || "answer" in entry || "expire" in entry);
    } catch {
      return false;
    }
  });
  if (good.length < lines.length) log.warn(`journal ${file}: skipped ${lines.length - good.length} unreadable line(s)`);
  return good.slice(-JOURNAL_KEEP);
}

export async function openJournal(file: string, log: Logger): Promise<Journal> {
  await mkdir(path.dirname(file), { recursive: true });
  const text = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return "";
    throw error;
  });
  // The newest lines, also in memory: compaction, or a data folder deleted under us, rewrites from them.
  let lines = parseLines(text, log, file);
  const entries = lines.map((line) => JSON.parse(line) as JournalEntry);
  /** Rewrites the file with the newest lines; a crash leaves the old file or the new, whole. */
  async function rewrite(): Promise<FileHandle> {
    lines = lines.slice(-JOURNAL_KEEP);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFileAtomic(file, lines.map((l) => `${l}\n`).join(""));
    return open(file, "a");
  }
  // Start from a clean file: no torn last line for the next append to follow.
  let handle = await rewrite();
  let pending: string[] = [];
  let writing: Promise<void> = Promise.resolve();

  async function flush(): Promise<void> {
    const batch = pending;
    pending = [];
    if (!batch.length) return;
    lines.push(...batch);
    if (lines.length >= 2 * JOURNAL_KEEP || (await handle.stat()).nlink === 0) {
      await handle.close();
      handle = await rewrite();
    } else {
      await handle.write(batch.map((l) => `${l}\n`).join(""));
    }
  }

  return {
    entries,
    append(entry) {
      pending.push(JSON.stringify(entry));
      writing = writing.then(flush).catch((error: Error) => log.error(`journal ${file}: ${error.message}`));
      return writing;
    },
    async close() {
      await writing;
      await handle.close();
    },
  };
}
