// The history and statistics pages' own query: what their GET form and paging links put in the
// address, checked, and turned into the API's query (docs/protocol.md, lib/history.ts). Days are
// whole days, both ends included, as the API reads a date (an `until` date is that whole day).
import { HISTORY_PAGE_MAX } from "../lib/history";

/** A page's search parameters as Next gives them: a name given twice is a list. */
export type Search = Record<string, string | string[] | undefined>;

/** The newest pages a page's address remembers, so "newer" can walk back; deeper, "newer" ends at the newest page. */
export const TRAIL_MAX = 100;

export interface Filters {
  /** The position as the visitor gave it (a name from the form's list, or a number); "" for every position. */
  position: string;
  /** The first and last day, YYYY-MM-DD; "" for no bound. */
  from: string;
  to: string;
  /** Orders on a page, as given (the API's default when ""). */
  limit: string;
  /**
   * The cursors of the pages walked through, from the second page to this one (`?cursor=` once per
   * page): the last is this page's; "newer" drops it, "older" adds the API's `next`.
   */
  cursors: string[];
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `day` is a calendar day, YYYY-MM-DD ("2026-02-30" is not). */
export function isDay(day: string): boolean {
  const parts = DAY.exec(day);
  if (!parts) return false;
  const [year, month, date] = parts.slice(1).map(Number);
  const at = new Date(Date.UTC(year, month - 1, date));
  return at.getUTCFullYear() === year && at.getUTCMonth() === month - 1 && at.getUTCDate() === date;
}

const one = (value: string | string[] | undefined) => (Array.isArray(value) ? (value.at(-1) ?? "") : (value ?? "")).trim();

/** The filters in `search`, or one line saying what is wrong with them (the page shows it, and reads nothing). */
export function readFilters(search: Search): { ok: true; filters: Filters } | { ok: false; error: string; filters: Filters } {
  const cursor = search.cursor;
  const filters: Filters = {
    position: one(search.position),
    from: one(search.from),
    to: one(search.to),
    limit: one(search.limit),
    cursors: (Array.isArray(cursor) ? cursor : cursor ? [cursor] : []).filter(Boolean).slice(-TRAIL_MAX),
  };
  for (const [name, day] of [
    ["From", filters.from],
    ["To", filters.to],
  ] as const) {
    if (day && !isDay(day)) return { ok: false, error: `${name}: expected a day as YYYY-MM-DD, got ${JSON.stringify(day.slice(0, 32))}`, filters };
  }
  if (filters.limit && !(/^[1-9]\d*$/.test(filters.limit) && Number(filters.limit) <= HISTORY_PAGE_MAX))
    return { ok: false, error: `Limit: expected a whole number of orders from 1 to ${HISTORY_PAGE_MAX}`, filters };
  if (filters.from && filters.to && filters.to < filters.from) return { ok: false, error: "To: the last day is before the first", filters };
  return { ok: true, filters };
}

/**
 * The API's query for these filters: history's with the position, the page's size and cursor; the
 * CSV's with the position (every order); statistics' with the days only.
 */
export function apiQuery(filters: Filters, kind: "history" | "csv" | "stats"): URLSearchParams {
  const query = new URLSearchParams();
  if (filters.from) query.set("since", filters.from);
  if (filters.to) query.set("until", filters.to);
  if (kind === "stats") return query;
  if (filters.position) query.set("position", filters.position);
  if (kind === "csv") return query;
  if (filters.limit) query.set("limit", filters.limit);
  const cursor = filters.cursors.at(-1);
  if (cursor) query.set("cursor", cursor);
  return query;
}

/** `path` with these filters and this trail of cursors: the address of a page of history, or of the statistics. */
export function pageHref(path: string, filters: Filters, cursors: string[] = []): string {
  const query = new URLSearchParams();
  if (filters.position) query.set("position", filters.position);
  if (filters.from) query.set("from", filters.from);
  if (filters.to) query.set("to", filters.to);
  if (filters.limit) query.set("limit", filters.limit);
  for (const cursor of cursors.slice(-TRAIL_MAX)) query.append("cursor", cursor);
  const search = query.toString();
  return search ? `${path}?${search}` : path;
}

/** The links to the next pages: older (when the API gave a cursor) and newer (when this is not the newest page). */
export function pagingHrefs(path: string, filters: Filters, next: string | null): { older?: string; newer?: string } {
  return {
    older: next === null ? undefined : pageHref(path, filters, [...filters.cursors, next]),
    newer: filters.cursors.length ? pageHref(path, filters, filters.cursors.slice(0, -1)) : undefined,
  };
}
