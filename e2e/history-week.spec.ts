// A seeded week on the history and statistics pages (issue 16): seven past days of orders and
// answers written into a stopped server's store through the core, as the server keeps them (the
// API would stamp them now), then the pages read as a visitor reads them, checked against what
// this test computes from what it seeded: days, orders per day, outcomes, p50 and p90 of the time
// to a first answer (nearest rank), never answered, per position, per week and by hour.
import { DEFAULT_FACE, labelOf } from "../lib/face";
import { duration } from "../lib/words";
import { openHistory, ordered, answered, type Given } from "../test/support/history";
import { type Panel, expect, test } from "./fixtures";

interface Seeded {
  position: number;
  at: Date;
  /** Time to the first answer; undefined: never answered. */
  waitMs?: number;
}

/** Positions in turn (never the same twice running); COFFEE, which expires, is always answered in time. */
const POSITIONS = [7, 8, 6, 11, 2, 10];
const HOURS = [8, 10, 13, 16];

const dayKey = (d: Date) => [d.getFullYear(), d.getMonth() + 1, d.getDate()].map((n) => String(n).padStart(2, "0")).join("-");
const daysAgo = (n: number, hour = 0, minute = 0) => {
  const d = new Date();
  d.setDate(d.getDate() - n);
  d.setHours(hour, minute, 0, 0);
  return d;
};
/** The Monday of the week `d` is in (local days), as the statistics count weeks. */
const mondayOf = (d: Date) => {
  const monday = new Date(d);
  monday.setDate(d.getDate() - ((d.getDay() + 6) % 7));
  return dayKey(monday);
};
/** Nearest rank: the smallest wait at least `p` of the answered ones had. */
const nearestRank = (waits: number[], p: number) => [...waits].sort((a, b) => a - b)[Math.ceil(p * waits.length) - 1];

/** Four orders a day, seven days ago to yesterday; one in five never answered, the rest first answered by Bob, some by Cy after. */
function week(): { seeded: Seeded[]; given: Given[] } {
  const seeded: Seeded[] = [];
  const given: Given[] = [];
  let n = 0;
  for (let ago = 7; ago >= 1; ago--) {
    for (const hour of HOURS) {
      const at = daysAgo(ago, hour, (n * 7) % 50);
      const position = POSITIONS[n % POSITIONS.length];
      const waitMs = position !== 7 && n % 5 === 3 ? undefined : (20 + ((n * 37) % 280)) * 1000;
      given.push(ordered(position, at.toISOString(), "Ann"));
      if (waitMs !== undefined) {
        given.push(answered(position, new Date(at.getTime() + waitMs).toISOString(), "Bob"));
        if (n % 3 === 0) given.push(answered(position, new Date(at.getTime() + waitMs + 45_000).toISOString(), "Cy"));
      }
      seeded.push({ position, at, waitMs });
      n++;
    }
  }
  return { seeded, given };
}

/** "Orders, never answered, p50, p90" as the tables show them. */
function numbers(orders: Seeded[]): string[] {
  const waits = orders.flatMap((o) => (o.waitMs === undefined ? [] : [o.waitMs]));
  const p = (q: number) => (waits.length ? duration(nearestRank(waits, q)) : "none");
  return [String(orders.length), String(orders.length - waits.length), p(0.5), p(0.9)];
}

const row = (cells: string[]) => new RegExp(`^${cells.map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("\\s*")}$`);

test.describe("a seeded week", () => {
  let seeded: Seeded[];
  const from = dayKey(daysAgo(7));
  const to = dayKey(daysAgo(1));

  test.beforeEach(async ({ telegraph }) => {
    await telegraph.server.stop();
    const seed = week();
    const history = openHistory(telegraph.dir, { face: DEFAULT_FACE });
    history.give(...seed.given);
    history.close();
    seeded = seed.seeded;
    await telegraph.startServer();
  });

  test("the history lists each day's orders, newest first, with their outcomes", async ({ telegraph, newPage }) => {
    const page: Panel = await newPage();
    await page.goto(`${telegraph.url}/history?from=${from}&to=${to}&limit=100`);
    const newestFirst = [...seeded].reverse();
    const days = [...new Set(newestFirst.map((o) => dayKey(o.at)))];
    await expect(page.getByTestId("history-day")).toHaveCount(7);
    expect(await page.getByTestId("history-day").evaluateAll((sections) => sections.map((s) => (s as HTMLElement).dataset.day))).toEqual(days);
    for (let i = 0; i < days.length; i++) await expect(page.getByTestId("history-day").nth(i).getByTestId("history-order")).toHaveCount(HOURS.length);
    const outcomes = page.getByTestId("outcome");
    await expect(outcomes).toHaveText(newestFirst.map((o) => (o.waitMs === undefined ? "not answered" : `answered in ${duration(o.waitMs)}`)));
    const labels = page.getByTestId("history-order").locator("strong");
    await expect(labels).toHaveText(newestFirst.map((o) => labelOf(DEFAULT_FACE, o.position)));
    expect(page.errors).toEqual([]);
  });

  test("the statistics give p50, p90 and never answered per position and per week, and orders by hour", async ({ telegraph, newPage }) => {
    const page: Panel = await newPage({ context: { javaScriptEnabled: false } });
    await page.goto(`${telegraph.url}/stats?from=${from}&to=${to}`);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Statistics");

    const positions = page.getByTestId("table-positions").locator("tbody tr");
    const used = [...new Set(seeded.map((o) => o.position))];
    await expect(positions).toHaveCount(used.length);
    for (const position of used) {
      const label = labelOf(DEFAULT_FACE, position);
      const mine = positions.filter({ has: page.locator("th", { hasText: new RegExp(`^${label}$`) }) });
      await expect(mine).toHaveText(row([label, ...numbers(seeded.filter((o) => o.position === position))]));
    }

    const weeks = page.getByTestId("table-weeks").locator("tbody tr");
    const keys = [...new Set(seeded.map((o) => `${mondayOf(o.at)} ${o.position}`))];
    await expect(weeks).toHaveCount(keys.length);
    for (const key of keys) {
      const [monday, position] = key.split(" ");
      const label = labelOf(DEFAULT_FACE, Number(position));
      const mine = weeks
        .filter({ has: page.locator(`th time[datetime="${monday}"]`) })
        .filter({ has: page.locator("td", { hasText: new RegExp(`^${label}$`) }) });
      const orders = seeded.filter((o) => mondayOf(o.at) === monday && o.position === Number(position));
      await expect(mine.locator("td")).toHaveText([label, ...numbers(orders)]);
    }

    const hours = page.getByTestId("table-hours").locator("tbody tr td");
    await expect(hours).toHaveText(Array.from({ length: 24 }, (_, hour) => String(seeded.filter((o) => o.at.getHours() === hour).length)));
  });
});
