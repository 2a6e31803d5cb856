// The history of a telegraph's orders, newest first, a page at a time: each order with the answers
// given while it was current (those that name its seq: an answer names the order current when it
// came, none after the next order or the expiry), when it expired, and how it reached the panels.
// Pages go by seq (keyset): a cursor names the last seq shown, so new orders never shift a page.
import type { HistoryAnswer, HistoryOrder, HistoryPage } from "../../lib/history";
import type { Heard, Source } from "../../lib/protocol";
import type { Store } from "../store/store";

/** A query the store cannot answer as asked (a cursor not ours): the client's mistake. */
export class HistoryError extends Error {}

/** Which orders: given in [since, until), at one position. */
export interface HistoryFilter {
  since?: Date;
  until?: Date;
  position?: number;
}

const CURSOR = /^s(\d{1,15})$/;
export const cursorOf = (seq: number) => Buffer.from(`s${seq}`).toString("base64url");

/** The seq a cursor names; a HistoryError for one we did not make. */
export function seqOfCursor(cursor: string): number {
  const found = /^[A-Za-z0-9_-]+$/.test(cursor) ? CURSOR.exec(Buffer.from(cursor, "base64url").toString()) : null;
  if (!found) throw new HistoryError("cursor: not one this server gave: start again without it");
  return Number(found[1]);
}

interface OrderRow {
  seq: number;
  position: number;
  label: string;
  at: string;
  given_by: string | null;
  source: Source;
}

const ORDER_COLUMNS = "seq, position, json_extract(data, '$.label') AS label, at, given_by, source";
const NO_RECEIPTS = () => ({ delivered: 0, rang: 0, muted: 0, blocked: 0 });

/** The orders `rows` with their answers, expiry and receipts: a few queries for the lot, none per order. */
function detailed(store: Store, telegraph: string, rows: OrderRow[]): HistoryOrder[] {
  const seqs = JSON.stringify(rows.map((row) => row.seq));
  const marks = store
    .prepare<[string, string], { kind: "answer" | "expire"; seq: number; position: number | null; given_by: string | null; at: string }>(
      `SELECT kind, seq, position, given_by, at FROM events
      WHERE telegraph = ? AND kind IN ('answer', 'expire') AND seq IN (SELECT value FROM json_each(?)) ORDER BY id`,
    )
    .all(telegraph, seqs);
  const counts = store
    .prepare<[string, string], { seq: number; heard: Heard; n: number }>(
      "SELECT seq, heard, count(*) AS n FROM receipts WHERE telegraph = ? AND seq IN (SELECT value FROM json_each(?)) GROUP BY seq, heard",
    )
    .all(telegraph, seqs);
  const orders = new Map<number, HistoryOrder>();
  for (const { seq, position, label, at, given_by, source } of rows) {
    orders.set(seq, {
      seq,
      position,
      label,
      at,
      ...(given_by !== null && { by: given_by }),
      source,
      answers: [],
      firstAnswerMs: null,
      receipts: NO_RECEIPTS(),
    });
  }
  for (const { kind, seq, position, given_by, at } of marks) {
    const order = orders.get(seq)!;
    if (kind === "expire") order.expiredAt = at;
    else {
      const answer: HistoryAnswer = {
        position: position!,
        ...(given_by !== null && { by: given_by }),
        at,
        afterMs: Date.parse(at) - Date.parse(order.at),
      };
      order.answers.push(answer);
      order.firstAnswerMs ??= answer.afterMs;
    }
  }
  // As the panels count them (listeners.ts): every panel that reported was delivered to.
  for (const { seq, heard, n } of counts) {
    const { receipts } = orders.get(seq)!;
    if (heard !== "delivered") receipts[heard] += n;
    receipts.delivered += n;
  }
  return [...orders.values()];
}

/** The filter as SQL conditions on an order row, and their values. */
function where(telegraph: string, { since, until, position }: HistoryFilter) {
  const wanted: [string, string | number | undefined][] = [
    ["telegraph = ?", telegraph],
    ["position = ?", position],
    ["at >= ?", since?.toISOString()],
    ["at < ?", until?.toISOString()],
  ];
  const given = wanted.filter((w): w is [string, string | number] => w[1] !== undefined);
  return { conditions: ["kind = 'order'", ...given.map(([condition]) => condition)], values: given.map(([, value]) => value) };
}

/** A page of the telegraph's orders, newest first, older than the cursor's. */
export function historyPage(store: Store, telegraph: string, filter: HistoryFilter & { cursor?: string; limit: number }): HistoryPage {
  const { conditions, values } = where(telegraph, filter);
  if (filter.cursor !== undefined) {
    conditions.push("seq < ?");
    values.push(seqOfCursor(filter.cursor));
  }
  const rows = store
    .prepare<(string | number)[], OrderRow>(`SELECT ${ORDER_COLUMNS} FROM events WHERE ${conditions.join(" AND ")} ORDER BY seq DESC LIMIT ?`)
    .all(...values, filter.limit + 1);
  const more = rows.length > filter.limit;
  const shown = rows.slice(0, filter.limit);
  return { telegraph, orders: shown.length ? detailed(store, telegraph, shown) : [], next: more ? cursorOf(shown.at(-1)!.seq) : null };
}

/** Every order of the filter, oldest first, detailed a thousand at a time (the CSV export). */
export function* allOrders(store: Store, telegraph: string, filter: HistoryFilter): Generator<HistoryOrder> {
  const { conditions, values } = where(telegraph, filter);
  const rows = store
    .prepare<(string | number)[], OrderRow>(`SELECT ${ORDER_COLUMNS} FROM events WHERE ${conditions.join(" AND ")} ORDER BY seq`)
    .all(...values);
  for (let i = 0; i < rows.length; i += 1000) yield* detailed(store, telegraph, rows.slice(i, i + 1000));
}
