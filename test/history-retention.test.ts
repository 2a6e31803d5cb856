// Retention on a real store: raw events 90 days and receipts 14 by default, each deleted in
// batches with the event loop free between, at their boundaries to the millisecond; the days'
// statistics rolled up before any event goes; receipts queued and written once a second, a batch
// at a time.
import { rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { HISTORY_LENGTH } from "../lib/protocol";
import { answered, openHistory, ordered } from "./support/history";
import { createLogger } from "../server/log";
import { RETENTION } from "../server/store/memory";
import { FIRST_BATCH } from "../server/history/batches";
import { KEEP_RECEIPTS_DAYS, openReceipts } from "../server/history/receipts";
import { stats } from "../server/history/stats";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const tempDir = async () => (dirs.push(await mkdtemp(path.join(tmpdir(), "chadburn-retention-"))), dirs.at(-1)!);
const quiet = createLogger("silent");
const DAY = 86_400_000;
const NOW = new Date("2026-06-01T12:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();

/** Runs `work`, counting the event loop's turns meanwhile: a batch per turn lets orders through between. */
async function countingTurns<T>(work: () => Promise<T>): Promise<{ result: T; turns: number }> {
  let turns = 0;
  let done = false;
  const tick = () => {
    if (done) return;
    turns++;
    setImmediate(tick);
  };
  setImmediate(tick);
  const result = await work();
  done = true;
  return { result, turns };
}

describe("events' retention", () => {
  it("is 90 days by default: an event just outside goes, one exactly at the cutoff or just inside stays, and its day's statistics stay", async () => {
    expect(RETENTION.keepEventsDays).toBe(90);
    const h = openHistory(await tempDir());
    const cutoff = NOW.getTime() - 90 * DAY;
    h.give(ordered(7, iso(cutoff - 60_000)), answered(7, iso(cutoff - 1), "Bob")); // answered just outside
    h.give(ordered(3, iso(cutoff)), ordered(7, iso(cutoff + 1)));
    for (let i = 0; i < HISTORY_LENGTH; i++) h.give(ordered(i % 2 ? 7 : 3, iso(NOW.getTime() - DAY + i * 1000))); // the panels' history: kept anyway
    const { rows } = await h.memory.prune(NOW);
    expect(rows).toBe(2);
    const left = h.store.prepare("SELECT kind, seq, at FROM events ORDER BY id LIMIT 2").all();
    expect(left).toEqual([
      { kind: "order", seq: 2, at: iso(cutoff) },
      { kind: "order", seq: 3, at: iso(cutoff + 1) },
    ]);
    // The first order and its answer are gone, and still counted.
    const old = stats(h.store, "default", { since: new Date(cutoff - DAY), until: new Date(cutoff + DAY) });
    expect(old.positions.find((p) => p.position === 7)).toMatchObject({ orders: 2, answered: 1, unanswered: 1, p50Ms: 59_999 });
    h.close();
  });
});

describe("receipts", () => {
  it("are queued, and written only when asked, in one go however many", async () => {
    const h = openHistory(await tempDir());
    const receipts = openReceipts(h.store, { log: quiet, schedule: false });
    const lab = receipts.sink("default");
    const shop = receipts.sink("workshop");
    const count = () => h.store.prepare("SELECT count(*) FROM receipts").pluck().get();
    for (let i = 0; i < 10_000; i++) lab({ seq: 1, panel: `panel-${i}`, heard: i % 2 ? "rang" : "delivered", at: iso(NOW.getTime()) });
    lab({ seq: 1, panel: "panel-1", heard: "delivered", at: iso(NOW.getTime() + 1) }); // says less: stays rang
    shop({ seq: 1, panel: "panel-1", heard: "muted", name: "Ann", at: iso(NOW.getTime()) });
    expect(count()).toBe(0);
    expect(receipts.flush()).toBe(10_001);
    expect(count()).toBe(10_001);
    const kept = h.store.prepare("SELECT telegraph, heard, name FROM receipts WHERE panel = 'panel-1' ORDER BY telegraph").all();
    expect(kept).toEqual([
      { telegraph: "default", heard: "rang", name: null },
      { telegraph: "workshop", heard: "muted", name: "Ann" },
    ]);
    expect(receipts.flush()).toBe(0);
    receipts.close();
    h.close();
  });

  it("are written every second a batch per turn, so that an order never waits behind them; close() writes what is left", async () => {
    const h = openHistory(await tempDir());
    const receipts = openReceipts(h.store, { log: quiet, schedule: false });
    const lab = receipts.sink("default");
    const count = () => h.store.prepare("SELECT count(*) FROM receipts").pluck().get();
    for (let i = 0; i < 10_000; i++) lab({ seq: 1, panel: `panel-${i}`, heard: "delivered", at: iso(NOW.getTime()) });
    const { result, turns } = await countingTurns(async () => {
      const writing = receipts.flushInBatches();
      // Queued meanwhile: written by the next write, and a rung bell stays rung over the delivered one.
      lab({ seq: 1, panel: "panel-9999", heard: "rang", at: iso(NOW.getTime() + 1) });
      return writing;
    });
    expect(result.rows).toBe(10_000);
    expect(result.batches).toBeGreaterThan(1);
    expect(turns).toBeGreaterThanOrEqual(result.batches - 1);
    expect(count()).toBe(10_000);
    expect((await receipts.flushInBatches()).rows).toBe(1);
    expect(h.store.prepare("SELECT heard FROM receipts WHERE panel = 'panel-9999'").pluck().get()).toBe("rang");

    // Closed while a batched write is under way: the rest is written at once, and nothing after.
    for (let i = 0; i < 10_000; i++) lab({ seq: 2, panel: `panel-${i}`, heard: "delivered", at: iso(NOW.getTime()) });
    const writing = receipts.flushInBatches();
    lab({ seq: 3, panel: "late", heard: "delivered", at: iso(NOW.getTime()) });
    receipts.close();
    expect(count()).toBe(20_001);
    expect((await writing).rows).toBeLessThan(10_000); // it stopped where close() took over
    expect(count()).toBe(20_001);
    h.close();
  });

  it("are kept 14 days by default: just outside goes, exactly at the cutoff or just inside stays; a batch at a time", async () => {
    expect(KEEP_RECEIPTS_DAYS).toBe(14);
    const h = openHistory(await tempDir());
    const receipts = openReceipts(h.store, { log: quiet, schedule: false });
    const sink = receipts.sink("default");
    const cutoff = NOW.getTime() - 14 * DAY;
    const old = 20 * FIRST_BATCH + 1;
    for (let i = 0; i < old; i++) sink({ seq: 1, panel: `old-${i}`, heard: "rang", at: iso(cutoff - 1 - i) });
    sink({ seq: 2, panel: "at-cutoff", heard: "rang", at: iso(cutoff) });
    sink({ seq: 2, panel: "inside", heard: "rang", at: iso(cutoff + 1) });
    receipts.flush();
    const { result, turns } = await countingTurns(() => receipts.purge(NOW));
    expect(result.rows).toBe(old);
    expect(result.batches).toBeGreaterThan(1);
    expect(turns).toBeGreaterThanOrEqual(result.batches - 1); // each batch its own turn; how long one takes is the machine's
    expect(h.store.prepare("SELECT panel FROM receipts ORDER BY at").pluck().all()).toEqual(["at-cutoff", "inside"]);
    receipts.close();
    h.close();
  });
});
