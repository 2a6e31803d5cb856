// The journal on a real file system: what it keeps, and what it survives.
import { appendFileSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { captureLog, tempDir as newDir, tracker } from "../test/helpers";
import { JOURNAL_KEEP, openJournal } from "./journal";
import type { JournalEntry } from "./telegraph/telegraph";

const entry = (seq: number): JournalEntry => ({
  order: { position: (seq % 11) + 1, name: "x", label: "X", seq, at: new Date(0).toISOString(), source: "telegraph" },
});
const track = tracker();
afterEach(() => track.cleanup());
const tempDir = async () => track.dir(await newDir());

/** What a journal opened on the file finds there; closed again at once. */
async function reopen(file: string): Promise<JournalEntry[]> {
  const journal = await openJournal(file, captureLog().log);
  await journal.close();
  return journal.entries;
}

const seqs = (entries: JournalEntry[]) => entries.map((e) => ("order" in e ? e.order.seq : -1));

describe("journal", () => {
  it("gives back what was appended, in order, after a restart", async () => {
    const file = path.join(await tempDir(), "journal.jsonl");
    const journal = await openJournal(file, captureLog().log);
    expect(journal.entries).toEqual([]);
    await Promise.all([1, 2, 3].map((n) => journal.append(entry(n))));
    await journal.close();
    expect(seqs(await reopen(file))).toEqual([1, 2, 3]);
  });

  it(`keeps the newest ${JOURNAL_KEEP} entries, and the file never holds twice that`, async () => {
    const file = path.join(await tempDir(), "journal.jsonl");
    const journal = await openJournal(file, captureLog().log);
    const total = 2 * JOURNAL_KEEP + 300;
    for (let n = 1; n <= total; n++) {
      void journal.append(entry(n));
      if (n % 97 === 0) await journal.append(entry(++n)); // now and then wait, so batches vary in size
      const lines = n % 250 === 0 ? readFileSync(file, "utf8").split("\n").length : 0;
      expect(lines).toBeLessThanOrEqual(2 * JOURNAL_KEEP + 1);
    }
    await journal.close();
    expect(seqs(await reopen(file))).toEqual(Array.from({ length: JOURNAL_KEEP }, (_, i) => total - JOURNAL_KEEP + 1 + i));
  });

  it("skips a line cut short by a crash, and says so", async () => {
    const file = path.join(await tempDir(), "journal.jsonl");
    const journal = await openJournal(file, captureLog().log);
    await journal.append(entry(1));
    await journal.append(entry(2));
    await journal.close();
    appendFileSync(file, JSON.stringify(entry(3)).slice(0, 25));
    const { log, logs } = captureLog();
    const again = await openJournal(file, log);
    expect(seqs(again.entries)).toEqual([1, 2]);
    expect(logs).toEqual([`journal ${file}: skipped 1 unreadable line(s)`]);
    await again.append(entry(3)); // appended after a clean line, not glued to the torn one
    await again.close();
    expect(seqs(await reopen(file))).toEqual([1, 2, 3]);
  });

  it("writes itself again when its folder is deleted under it", async () => {
    const dir = await tempDir();
    const file = path.join(dir, "journal.jsonl");
    const journal = await openJournal(file, captureLog().log);
    await journal.append(entry(1));
    rmSync(dir, { recursive: true });
    await journal.append(entry(2));
    await journal.close();
    expect(seqs(await reopen(file))).toEqual([1, 2]);
  });
});
