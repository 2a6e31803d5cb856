// What a telegraph tells over time (issue 16): its orders with who answered and how long it took,
// and statistics per position and week. The shapes GET /api/telegraphs/<slug>/history and …/stats
// answer, the history page shows and `chadburn history` prints.
import type { Source } from "./protocol";

/** Orders on a page of history when the query does not ask for fewer. */
export const HISTORY_PAGE = 50;
/** The most a page may hold. */
export const HISTORY_PAGE_MAX = 500;

/** An answer given while the order was current. */
export interface HistoryAnswer {
  position: number;
  /** The answerer's name, when known. */
  by?: string;
  at: string;
  /** From the order to this answer. */
  afterMs: number;
}

/** An order, with what became of it. */
export interface HistoryOrder {
  seq: number;
  position: number;
  /** The word on the dial when it was given (the face may have changed since). */
  label: string;
  at: string;
  /** Who gave it, when known (a person, a token, the telegraph's handle). */
  by?: string;
  source: Source;
  answers: HistoryAnswer[];
  /** From the order to its first answer; null: nobody answered before the next order or its expiry. */
  firstAnswerMs: number | null;
  /** When it expired unanswered (an order that must be answered within a time). */
  expiredAt?: string;
  /** How it reached the panels, as they reported it (0 each when none did, or kept no longer). */
  receipts: { delivered: number; rang: number; muted: number; blocked: number };
}

/** A page of history, newest first. */
export interface HistoryPage {
  telegraph: string;
  orders: HistoryOrder[];
  /** Give it as ?cursor= for the next (older) page; null on the last page. */
  next: string | null;
}

/** One position's orders in a span: how many, and how long they waited for a first answer. */
export interface PositionStats {
  position: number;
  orders: number;
  answered: number;
  /** Orders nobody answered: a mean of the others would hide them. */
  unanswered: number;
  /** Time to first answer of the answered ones; null when none was. */
  p50Ms: number | null;
  p90Ms: number | null;
}

/** The same for one week (weeks start on Monday, in the server's time zone). */
export interface WeekStats extends PositionStats {
  /** The Monday, YYYY-MM-DD. */
  week: string;
}

export interface Stats {
  telegraph: string;
  since: string;
  until: string;
  /** The IANA time zone days, weeks and hours are counted in: the server's. */
  timeZone: string;
  positions: PositionStats[];
  weeks: WeekStats[];
  /** Orders by hour of the day, 0 to 23. */
  byHour: number[];
}
