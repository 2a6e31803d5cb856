// Statistics of a span: per position and per week (Monday to Sunday, local), the orders, how many
// were answered and how many never were, p50 and p90 of the time to first answer; and the orders
// by hour of day. Whole days are read from the rollups (kept for good: exact past the raw events'
// retention); the span's partial first and last days, and the newest order until it is rolled up,
// from the raw events (a partial day whose events were pruned is taken whole, from its rollups).
import type { PositionStats, Stats, WeekStats } from "../../lib/history";
import type { Store } from "../store/store";
import { addDays, dayOf, mondayOf, startOf, timeZone } from "./days";
import { type DayRow, daysOf, ordersWithFirst, rolledDays, rolledSeq } from "./rollups";

/** The span statistics cover when the query does not say. */
export const STATS_DAYS = 28;

/** The `p` quantile (0 to 1) of ascending `sorted`, by nearest rank: always a time someone waited. */
export function quantile(sorted: ArrayLike<number>, p: number): number | null {
  return sorted.length ? sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] : null;
}

function summed(rows: DayRow[]): Omit<PositionStats, "position"> {
  // A typed array sorts numbers natively: a year's times are tens of thousands.
  const times = new Float64Array(rows.reduce((n, row) => n + row.firstAnswers.length, 0));
  rows.reduce((at, row) => (times.set(row.firstAnswers, at), at + row.firstAnswers.length), 0);
  times.sort();
  const sum = (key: "orders" | "answered" | "unanswered") => rows.reduce((n, row) => n + row[key], 0);
  return {
    orders: sum("orders"),
    answered: sum("answered"),
    unanswered: sum("unanswered"),
    p50Ms: quantile(times, 0.5),
    p90Ms: quantile(times, 0.9),
  };
}

function grouped<K>(rows: DayRow[], key: (row: DayRow) => K): Map<K, DayRow[]> {
  const groups = new Map<K, DayRow[]>();
  for (const row of rows) {
    const group = groups.get(key(row));
    if (group) group.push(row);
    else groups.set(key(row), [row]);
  }
  return groups;
}

/**
 * The day rows of [since, until): the whole days' rolled-up orders from the rollups, with the
 * orders not rolled up yet (the newest, while it can still be answered) and those of the partial
 * first and last days from the events.
 */
export function dayRows(store: Store, telegraph: string, since: Date, until: Date): DayRow[] {
  const firstWhole = startOf(dayOf(since)).getTime() === since.getTime() ? dayOf(since) : addDays(dayOf(since), 1);
  const lastWhole = dayOf(until); // exclusive
  const raw = (from: Date, to: Date, afterSeq = 0) =>
    from < to ? daysOf(ordersWithFirst(store, telegraph, { from: from.toISOString(), to: to.toISOString(), afterSeq })) : [];
  if (firstWhole >= lastWhole) return raw(since, until);
  return [
    ...raw(since, startOf(firstWhole)),
    ...rolledDays(store, telegraph, firstWhole, lastWhole),
    ...raw(startOf(firstWhole), startOf(lastWhole), rolledSeq(store, telegraph)),
    ...raw(startOf(lastWhole), until),
  ];
}

/** Whether the events still hold every order of `day` that its rollups hold: none of them pruned. */
function whole(store: Store, telegraph: string, day: string): boolean {
  const rolled = store.prepare("SELECT coalesce(sum(orders), 0) FROM rollups WHERE telegraph = ? AND day = ?").pluck().get(telegraph, day) as number;
  const kept = store
    .prepare("SELECT count(*) FROM events WHERE telegraph = ? AND kind = 'order' AND at >= ? AND at < ? AND seq <= ?")
    .pluck()
    .get(telegraph, startOf(day).toISOString(), startOf(addDays(day, 1)).toISOString(), rolledSeq(store, telegraph)) as number;
  return kept >= rolled;
}

/**
 * The span statistics read: as asked, but a partial first or last day whose events were pruned
 * is taken whole, from its rollups: counted exactly, if a little more than asked.
 */
function readable(store: Store, telegraph: string, since: Date, until: Date): { since: Date; until: Date } {
  const partial = (at: Date) => startOf(dayOf(at)).getTime() !== at.getTime();
  return {
    since: partial(since) && !whole(store, telegraph, dayOf(since)) ? startOf(dayOf(since)) : since,
    until: partial(until) && !whole(store, telegraph, dayOf(until)) ? startOf(addDays(dayOf(until), 1)) : until,
  };
}

export function stats(store: Store, telegraph: string, span: { since?: Date; until?: Date }, now = new Date()): Stats {
  const asked = span.until ?? now;
  const { since, until } = readable(store, telegraph, span.since ?? new Date(asked.getTime() - STATS_DAYS * 86_400_000), asked);
  const rows = since < until ? dayRows(store, telegraph, since, until) : [];
  const positions = [...grouped(rows, (row) => row.position)]
    .sort(([a], [b]) => a - b)
    .map(([position, of]): PositionStats => ({ position, ...summed(of) }));
  const mondays = new Map<string, string>(); // a year's rows have 365 days
  const monday = (day: string) => mondays.get(day) ?? mondays.set(day, mondayOf(day)).get(day)!;
  const weeks = [...grouped(rows, (row) => `${monday(row.day)} ${row.position}`)]
    .map(([, of]): WeekStats => ({ week: monday(of[0].day), position: of[0].position, ...summed(of) }))
    .sort((a, b) => a.week.localeCompare(b.week) || a.position - b.position);
  const byHour = Array<number>(24).fill(0);
  for (const row of rows) row.byHour.forEach((n, hour) => (byHour[hour] += n));
  return { telegraph, since: since.toISOString(), until: until.toISOString(), timeZone: timeZone(), positions, weeks, byHour };
}
