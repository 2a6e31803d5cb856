// What a telegraph tells over time (issue 16): its orders with who answered and how long it took,
// and statistics per position and week. The shapes GET /api/telegraphs/<slug>/history and …/stats
// answer, the history page shows and `chadburn history` prints.
import { z } from "zod";
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

const WHEN_HINT = "give an ISO date or time (2026-11-26, 2026-11-26T10:00Z) or a span back from now (7d, 24h, 90m)";

/**
 * When `text` says, for ?since= and ?until=: a span back from `now` ("7d", "24h", "90m"), or an ISO
 * date or time. A date alone is local midnight (days are the server's); as `until` it means the
 * whole day, so the next midnight. A string saying why otherwise.
 */
export function parseWhen(text: string, now: Date, as: "since" | "until"): Date | string {
  const span = /^(\d{1,6})([dhm])$/.exec(text);
  if (span) return new Date(now.getTime() - Number(span[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[span[2] as "d" | "h" | "m"]);
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ]([01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(text);
  const [y, m, d] = iso ? [Number(iso[1]), Number(iso[2]), Number(iso[3])] : [0, 0, 0];
  const calendar = new Date(Date.UTC(y, m - 1, d)); // a day that exists: not 30 February
  const when = iso?.[4] === undefined ? new Date(y, m - 1, d + (as === "until" ? 1 : 0)) : new Date(text);
  const valid = iso && calendar.getUTCMonth() === m - 1 && calendar.getUTCDate() === d && !Number.isNaN(when.getTime());
  return valid ? when : `${JSON.stringify(text.slice(0, 40))} is not a time: ${WHEN_HINT}`;
}

const when = (as: "since" | "until") =>
  z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined) return undefined;
      const parsed = parseWhen(text, new Date(), as);
      if (typeof parsed === "string") ctx.addIssue({ code: "custom", message: parsed });
      return typeof parsed === "string" ? z.NEVER : parsed;
    });

/** A span of time: ?since= and ?until=, each optional. */
export const SpanQuery = z.object({ since: when("since"), until: when("until") });

/** GET /api/telegraphs/<slug>/history.csv's query: the span, and a position (number, name or label) of the telegraph's face. */
export const HistoryCsvQuery = SpanQuery.extend({ position: z.string().trim().min(1).max(32).optional() });

/** GET /api/telegraphs/<slug>/history's query: that, a page's size and the cursor the page before gave. */
export const HistoryQuery = HistoryCsvQuery.extend({
  cursor: z.string().max(64).optional(),
  limit: z
    .string()
    .regex(/^[1-9]\d{0,5}$/, `a whole number, 1 to ${HISTORY_PAGE_MAX}`)
    .transform(Number)
    .refine((n) => n <= HISTORY_PAGE_MAX, `at most ${HISTORY_PAGE_MAX}`)
    .optional(),
});
