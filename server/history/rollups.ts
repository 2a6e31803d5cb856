// Daily rollups: each local day's orders per position, with the exact times to first answer, kept
// for good so that statistics stay exact after the raw events are pruned (90 days by default).
// An order is rolled up once nobody can answer it any more: a later order was given, or it
// expired (so all but the newest, and that one too once expired). Each is added to its day's row
// exactly once: the last seq rolled up is kept with the rows, in the same transaction. A batch of
// orders a transaction, sized as the purge's are (batches.ts), the event loop free between (an old
// store's first rollup may hold a year).
import type { Store } from "../store/store";
import { inBatches } from "./batches";
import { dayOf, hourOf } from "./days";

/** One day's orders of one position. */
export interface DayRow {
  day: string;
  position: number;
  orders: number;
  answered: number;
  unanswered: number;
  /** Times to first answer, ms, ascending. */
  firstAnswers: number[];
  /** Orders by local hour, 24 counts. */
  byHour: number[];
}

/** An order with its time to first answer while current (from the answers that name its seq). */
export interface OrderFirst {
  seq: number;
  position: number;
  at: string;
  firstAnswerMs: number | null;
}

/** Which orders: given in [from, to) (ISO times), with a seq over `afterSeq`; at most `limit`. */
export interface OrdersWanted {
  from?: string;
  to?: string;
  afterSeq?: number;
  limit?: number;
}

/**
 * The telegraph's orders `wanted`, oldest first, with their times to first answer. Indexes named:
 * SQLite would take min(at) from the at index, scanning every older event for each order, and
 * orders after a seq (the few not rolled up) from the at index, scanning the whole span.
 */
export function ordersWithFirst(store: Store, telegraph: string, { from, to, afterSeq = 0, limit = -1 }: OrdersWanted): OrderFirst[] {
  const wanted: [string, string | number | undefined][] = [
    ["o.seq > @afterSeq", afterSeq || undefined],
    ["o.at >= @from", from],
    ["o.at < @to", to],
  ];
  const given = wanted.filter(([, value]) => value !== undefined).map(([condition]) => `AND ${condition}`);
  const rows = store
    .prepare<[Record<string, string | number>], { seq: number; position: number; at: string; first: string | null }>(
      `SELECT o.seq, o.position, o.at,
        (SELECT min(a.at) FROM events a INDEXED BY events_telegraph_kind_seq WHERE a.telegraph = o.telegraph AND a.kind = 'answer' AND a.seq = o.seq) AS first
      FROM events o ${afterSeq ? "INDEXED BY events_telegraph_kind_seq" : ""}
      WHERE o.telegraph = @telegraph AND o.kind = 'order' ${given.join(" ")} ORDER BY o.seq LIMIT @limit`,
    )
    .all({ telegraph, limit, ...(afterSeq && { afterSeq }), ...(from !== undefined && { from }), ...(to !== undefined && { to }) });
  return rows.map(({ first, ...order }) => ({ ...order, firstAnswerMs: first === null ? null : Date.parse(first) - Date.parse(order.at) }));
}

const emptyRow = (day: string, position: number): DayRow => ({
  day,
  position,
  orders: 0,
  answered: 0,
  unanswered: 0,
  firstAnswers: [],
  byHour: Array<number>(24).fill(0),
});

/** `orders` added into day rows (`rows`, by "day position", new ones made), times kept ascending. */
export function addToDays(orders: OrderFirst[], rows = new Map<string, DayRow>()): Map<string, DayRow> {
  for (const { position, at, firstAnswerMs } of orders) {
    const day = dayOf(at);
    const key = `${day} ${position}`;
    const row = rows.get(key) ?? rows.set(key, emptyRow(day, position)).get(key)!;
    row.orders++;
    row.byHour[hourOf(at)]++;
    if (firstAnswerMs === null) row.unanswered++;
    else {
      row.answered++;
      row.firstAnswers.push(firstAnswerMs);
    }
  }
  for (const row of rows.values()) row.firstAnswers.sort((a, b) => a - b);
  return rows;
}

/** The orders summed per local day and position. */
export const daysOf = (orders: OrderFirst[]): DayRow[] => [...addToDays(orders).values()];

/** The last seq rolled up: 0 before the first rollup. */
export const rolledSeq = (store: Store, telegraph: string) =>
  (store.prepare("SELECT seq FROM rolled_up WHERE telegraph = ?").pluck().get(telegraph) as number | undefined) ?? 0;

const ROLLUP_COLUMNS = "day, position, orders, answered, unanswered, first_answers, by_hour";
type RollupRow = [day: string, position: number, orders: number, answered: number, unanswered: number, firstAnswers: string, byHour: string];
/** A row as read in arrays (raw): a year's statistics read thousands. */
const fromRow = ([day, position, orders, answered, unanswered, firstAnswers, byHour]: RollupRow): DayRow => ({
  day,
  position,
  orders,
  answered,
  unanswered,
  firstAnswers: JSON.parse(firstAnswers),
  byHour: JSON.parse(byHour),
});

/** The rollups of the days in [fromDay, toDay). */
export function rolledDays(store: Store, telegraph: string, fromDay: string, toDay: string): DayRow[] {
  return store
    .prepare<[string, string, string], RollupRow>(
      `SELECT ${ROLLUP_COLUMNS} FROM rollups WHERE telegraph = ? AND day >= ? AND day < ? ORDER BY day, position`,
    )
    .raw()
    .all(telegraph, fromDay, toDay)
    .map(fromRow);
}

/** The newest seq nobody can answer any more: the newest order's once it expired, else the one before. */
function closedSeq(store: Store, telegraph: string): number {
  const newest = store.prepare("SELECT max(seq) FROM events WHERE telegraph = ? AND kind = 'order'").pluck().get(telegraph) as number | null;
  if (newest === null) return 0;
  return store.prepare("SELECT 1 FROM events WHERE telegraph = ? AND kind = 'expire' AND seq = ?").get(telegraph, newest) ? newest : newest - 1;
}

/** Rolls up the telegraph's orders that can no longer change and were not yet; resolves to the last seq rolled up. */
export async function rollUp(store: Store, telegraph: string): Promise<number> {
  const read = store
    .prepare<[string, string, number], RollupRow>(`SELECT ${ROLLUP_COLUMNS} FROM rollups WHERE telegraph = ? AND day = ? AND position = ?`)
    .raw();
  const write = store.prepare(`INSERT OR REPLACE INTO rollups (telegraph, day, position, orders, answered, unanswered, first_answers, by_hour)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  const mark = store.prepare("INSERT INTO rolled_up (telegraph, seq) VALUES (?, ?) ON CONFLICT (telegraph) DO UPDATE SET seq = excluded.seq");
  let seq = rolledSeq(store, telegraph);
  /** The next `size` closed orders (or fewer: the last) added to their days' rows; how many, and the new mark. */
  const roll = store.transaction((size: number): { rolled: number; mark: number } => {
    const closed = closedSeq(store, telegraph);
    const orders = ordersWithFirst(store, telegraph, { afterSeq: seq, limit: size }).filter((order) => order.seq <= closed);
    if (!orders.length) return { rolled: 0, mark: seq };
    const rows = new Map<string, DayRow>();
    for (const { at, position } of orders) {
      const kept = read.get(telegraph, dayOf(at), position);
      if (kept) rows.set(`${kept[0]} ${kept[1]}`, fromRow(kept));
    }
    for (const r of addToDays(orders, rows).values())
      write.run(telegraph, r.day, r.position, r.orders, r.answered, r.unanswered, JSON.stringify(r.firstAnswers), JSON.stringify(r.byHour));
    mark.run(telegraph, orders.at(-1)!.seq);
    return { rolled: orders.length, mark: orders.at(-1)!.seq };
  });
  await inBatches((size) => {
    const { rolled, mark } = roll(size);
    seq = mark; // once the transaction is in
    return rolled;
  });
  return seq;
}
