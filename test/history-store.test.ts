// History pages, statistics and rollups on a real store, written by the telegraph's core as the
// server writes it. Days, weeks and hours in a zone with daylight saving time: Berlin's, which
// moves its clocks on Sunday 29 March 2026, inside the fortnight the statistics cover.
process.env.TZ = "Europe/Berlin";
import { rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type Given, answered, expired, openHistory, ordered } from "./support/history";
import { createLogger } from "../server/log";
import { HistoryError, historyPage } from "../server/history/orders";
import { openReceipts } from "../server/history/receipts";
import { daysOf, ordersWithFirst, rollUp, rolledDays, rolledSeq } from "../server/history/rollups";
import { stats } from "../server/history/stats";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const tempDir = async () => (dirs.push(await mkdtemp(path.join(tmpdir(), "chadburn-history-"))), dirs.at(-1)!);
const T0 = Date.UTC(2026, 2, 2, 9, 0);
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const quiet = createLogger("silent");

describe("a page of history", () => {
  /** Four orders: one answered twice, one never, one expired (then answered too late), the current one answered. */
  const given: Given[] = [
    ordered(7, at(0), "Ann"),
    answered(7, at(30), "Bob"),
    answered(3, at(60), "Cy"),
    ordered(3, at(300), "Ann"),
    ordered(1, at(600)),
    expired(3, at(1200)),
    answered(1, at(1260), "Bob"),
    ordered(2, at(1800), "Ann"),
    answered(2, at(1890), "Bob"),
  ];

  it("is newest first, each order with the answers given while it was current, its expiry and its receipts", async () => {
    const h = openHistory(await tempDir());
    h.give(...given);
    const receipts = openReceipts(h.store, { log: quiet, schedule: false });
    const sink = receipts.sink("default");
    sink({ seq: 1, panel: "panel-aaaa", heard: "rang", name: "Bob", at: at(2) });
    sink({ seq: 1, panel: "panel-bbbb", heard: "delivered", at: at(2) });
    sink({ seq: 1, panel: "panel-cccc", heard: "muted", at: at(3) });
    expect(receipts.flush()).toBe(3);
    sink({ seq: 1, panel: "panel-aaaa", heard: "delivered", at: at(4) }); // says less: the bell still rang
    sink({ seq: 1, panel: "panel-bbbb", heard: "blocked", at: at(4) });
    expect(receipts.flush()).toBe(2);
    receipts.close();

    const page = historyPage(h.store, "default", { limit: 10 });
    expect(page).toMatchObject({ telegraph: "default", next: null });
    expect(page.orders.map((o) => [o.seq, o.position, o.label, o.by ?? null, o.firstAnswerMs, o.expiredAt ?? null])).toEqual([
      [4, 2, "MEETING", "Ann", 90_000, null],
      [3, 1, "TEA", null, null, at(1200)],
      [2, 3, "STOP", "Ann", null, null],
      [1, 7, "COFFEE", "Ann", 30_000, null],
    ]);
    expect(page.orders[3]).toMatchObject({
      at: at(0),
      source: "panel",
      answers: [
        { position: 7, by: "Bob", at: at(30), afterMs: 30_000 },
        { position: 3, by: "Cy", at: at(60), afterMs: 60_000 },
      ],
      receipts: { delivered: 3, rang: 1, muted: 1, blocked: 1 },
    });
    expect(page.orders[1].answers).toEqual([]); // Bob answered after it expired: to no order
    expect(page.orders[0].receipts).toEqual({ delivered: 0, rang: 0, muted: 0, blocked: 0 });
    h.close();
  });

  it("pages by cursor, stable while new orders come; filters by time and position", async () => {
    const h = openHistory(await tempDir());
    h.give(...given);
    const seqs = (page: { orders: { seq: number }[] }) => page.orders.map((o) => o.seq);
    const first = historyPage(h.store, "default", { limit: 2 });
    expect(seqs(first)).toEqual([4, 3]);
    h.give(ordered(7, at(2400)), ordered(3, at(2500))); // new orders between the pages shift nothing
    const second = historyPage(h.store, "default", { limit: 2, cursor: first.next! });
    expect([seqs(second), second.next]).toEqual([[2, 1], null]);
    expect(seqs(historyPage(h.store, "default", { limit: 50 }))).toEqual([6, 5, 4, 3, 2, 1]);

    expect(seqs(historyPage(h.store, "default", { limit: 50, position: 7 }))).toEqual([5, 1]);
    const since = new Date(at(300));
    const until = new Date(at(1800));
    expect(seqs(historyPage(h.store, "default", { limit: 50, since }))).toEqual([6, 5, 4, 3, 2]); // since: included
    expect(seqs(historyPage(h.store, "default", { limit: 50, since, until }))).toEqual([3, 2]); // until: not
    expect(seqs(historyPage(h.store, "default", { limit: 1, since, until, position: 3 }))).toEqual([2]);
    expect(historyPage(h.store, "other", { limit: 50 }).orders).toEqual([]); // another telegraph's own
    for (const cursor of ["", "bm90LWEtY3Vyc29y", "s12", "../../etc"])
      expect(() => historyPage(h.store, "default", { limit: 2, cursor })).toThrow(HistoryError);
    h.close();
  });
});

/**
 * A fortnight from Monday 23 March 2026: each day 12 orders from 9:00 every 37 minutes, COFFEE (7)
 * and STOP (3) in turn; every third is never answered, the others after (i * 7 + j * 11) seconds.
 */
function fortnight(): { given: Given[]; expected: ReturnType<typeof expectedOf> } {
  const given: Given[] = [];
  const orders: { position: number; day: number; hour: number; firstMs: number | null }[] = [];
  for (let i = 0; i < 14; i++) {
    for (let j = 0; j < 12; j++) {
      const position = (i * 12 + j) % 2 ? 3 : 7;
      const when = new Date(2026, 2, 23 + i, 9, j * 37);
      given.push(ordered(position, when.toISOString(), "Ann"));
      const firstMs = (i + j) % 3 === 0 ? null : (i * 7 + j * 11) * 1000;
      if (firstMs !== null) {
        given.push(answered(position, new Date(when.getTime() + firstMs).toISOString(), "Bob"));
        given.push(answered(position, new Date(when.getTime() + firstMs + 5000).toISOString(), "Cy")); // later answers do not count
      }
      orders.push({ position, day: i, hour: 9 + Math.floor((j * 37) / 60), firstMs });
    }
  }
  given.push(expired(14 * 12, new Date(2026, 3, 6, 9).toISOString())); // the last one too: every order rolls up
  return { given, expected: expectedOf(orders) };
}

/** The statistics computed here, independently: nearest rank on the sorted times. */
function expectedOf(orders: { position: number; day: number; hour: number; firstMs: number | null }[]) {
  const summary = (of: typeof orders) => {
    const times = of.flatMap((o) => (o.firstMs === null ? [] : [o.firstMs])).sort((a, b) => a - b);
    const rank = (p: number) => (times.length ? times[Math.ceil(p * times.length) - 1] : null);
    return { orders: of.length, answered: times.length, unanswered: of.length - times.length, p50Ms: rank(0.5), p90Ms: rank(0.9) };
  };
  const byHour = Array<number>(24).fill(0);
  for (const o of orders) byHour[o.hour]++;
  return {
    positions: [3, 7].map((position) => ({ position, ...summary(orders.filter((o) => o.position === position)) })),
    weeks: ["2026-03-23", "2026-03-30"].flatMap((week, w) =>
      [3, 7].map((position) => ({ week, position, ...summary(orders.filter((o) => o.position === position && Math.floor(o.day / 7) === w)) })),
    ),
    byHour,
  };
}

describe("statistics", () => {
  const span = { since: new Date(2026, 2, 23), until: new Date(2026, 3, 6) };

  it("per position and per week (Monday first, across the change to summer time): p50, p90, never answered; orders by hour", async () => {
    const h = openHistory(await tempDir());
    const { given, expected } = fortnight();
    h.give(...given);
    const got = stats(h.store, "default", span);
    expect(got).toMatchObject({ telegraph: "default", since: span.since.toISOString(), until: span.until.toISOString(), timeZone: "Europe/Berlin" });
    expect(got.positions).toEqual(expected.positions);
    expect(got.weeks).toEqual(expected.weeks);
    expect(got.byHour).toEqual(expected.byHour);
    expect(got.positions[0].unanswered).toBeGreaterThan(0);
    h.close();
  });

  it("the same from the rollups once the raw events are pruned; each order rolled up once, when nobody can answer it any more", async () => {
    const h = openHistory(await tempDir(), { keepEventsDays: 1 });
    const { given, expected } = fortnight();
    const expiry = given.pop()!;
    h.give(...given);
    expect(await rollUp(h.store, "default")).toBe(14 * 12 - 1); // the newest can still be answered
    h.give(expiry);
    expect(await rollUp(h.store, "default")).toBe(14 * 12);
    expect(await rollUp(h.store, "default")).toBe(14 * 12); // nothing twice
    expect(rolledDays(h.store, "default", "2026-03-23", "2026-04-06")).toEqual(
      daysOf(ordersWithFirst(h.store, "default", {})).sort((a, b) => a.day.localeCompare(b.day) || a.position - b.position),
    );
    const pruned = await h.memory.prune(new Date(2026, 5, 1));
    expect(pruned.rows).toBeGreaterThan(0);
    expect(h.store.prepare("SELECT count(*) FROM events WHERE kind = 'order'").pluck().get()).toBe(20); // the panels' history stays
    expect(stats(h.store, "default", span)).toMatchObject(expected);
    // From mid-morning of a day whose events are gone: that day is taken whole, from its rollups.
    const rounded = stats(h.store, "default", { since: new Date(2026, 2, 23, 10), until: span.until });
    expect(rounded).toMatchObject({ ...expected, since: span.since.toISOString() });
    h.close();
  });

  it("a span of part days counts only the orders in it; nothing before the first or after the last", async () => {
    const h = openHistory(await tempDir());
    const { given } = fortnight();
    h.give(...given);
    await rollUp(h.store, "default");
    // From 10:00 on Tuesday 24 March to 10:00 on Wednesday 1 April: orders at 10:14, 10:51, … and up to 9:37.
    const since = new Date(2026, 2, 24, 10);
    const until = new Date(2026, 3, 1, 10);
    const got = stats(h.store, "default", { since, until });
    const inSpan = ordersWithFirst(h.store, "default", { from: since.toISOString(), to: until.toISOString() });
    expect(got.positions.reduce((n, p) => n + p.orders, 0)).toBe(inSpan.length);
    expect(inSpan.length).toBe(10 + 12 * 7 + 2);
    expect(stats(h.store, "default", { since: new Date(2026, 0, 1), until: new Date(2026, 0, 2) }).positions).toEqual([]);
    expect(rolledSeq(h.store, "other")).toBe(0);
    h.close();
  });
});
