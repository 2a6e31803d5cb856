import { describe, expect, it } from "vitest";
import { TRAIL_MAX, apiQuery, isDay, pageHref, pagingHrefs, readFilters } from "./historyQuery";

const filters = (search: Record<string, string | string[]>) => {
  const read = readFilters(search);
  if (!read.ok) throw new Error(read.error);
  return read.filters;
};

describe("the history pages' query", () => {
  it("reads days, both ends included, and asks the API for them as dates (an until date is that whole day)", () => {
    const f = filters({ position: "coffee", from: "2026-11-30", to: "2026-12-06" });
    expect(apiQuery(f, "history").toString()).toBe("since=2026-11-30&until=2026-12-06&position=coffee");
    expect(apiQuery(f, "stats").toString()).toBe("since=2026-11-30&until=2026-12-06");
    expect(["2026-12-31", "2028-02-29", "2026-02-29", "2026-13-01", "26-12-01"].map(isDay)).toEqual([true, true, false, false, false]);
  });

  it("takes an empty field (what a GET form sends for it) as no filter", () => {
    const f = filters({ position: "", from: "", to: "" });
    expect(f).toEqual({ position: "", from: "", to: "", limit: "", cursors: [] });
    expect(apiQuery(f, "history").toString()).toBe("");
  });

  it("refuses a day that is not one, or a range that ends before it starts, in one line", () => {
    expect(readFilters({ from: "yesterday" })).toMatchObject({ ok: false, error: 'From: expected a day as YYYY-MM-DD, got "yesterday"' });
    expect(readFilters({ to: "2026-02-30" })).toMatchObject({ ok: false, error: 'To: expected a day as YYYY-MM-DD, got "2026-02-30"' });
    expect(readFilters({ limit: "0" })).toMatchObject({ ok: false, error: "Limit: expected a whole number of orders from 1 to 500" });
    expect(readFilters({ limit: "501" })).toMatchObject({ ok: false });
    expect(readFilters({ from: "2026-12-06", to: "2026-12-01" })).toMatchObject({ ok: false, error: "To: the last day is before the first" });
  });

  it("pages: older adds the API's cursor to the address, newer takes this page's off, the filters stay", () => {
    const first = filters({ position: "7" });
    expect(pagingHrefs("/history", first, "c2")).toEqual({ older: "/history?position=7&cursor=c2", newer: undefined });
    const third = filters({ position: "7", limit: "2", cursor: ["c2", "c3"] });
    expect(apiQuery(third, "history").toString()).toBe("position=7&limit=2&cursor=c3");
    // The CSV has every order the filters keep, whichever page is shown.
    expect(apiQuery(third, "csv").toString()).toBe("position=7");
    expect(pagingHrefs("/history", third, "c4")).toEqual({
      older: "/history?position=7&limit=2&cursor=c2&cursor=c3&cursor=c4",
      newer: "/history?position=7&limit=2&cursor=c2",
    });
    // The last page: no older one.
    expect(pagingHrefs("/history", third, null).older).toBeUndefined();
  });

  it("keeps the newest pages' cursors only, so a deep page's address stays short", () => {
    const deep = Array.from({ length: TRAIL_MAX + 5 }, (_, i) => `c${i}`);
    const f = filters({ cursor: deep });
    expect(f.cursors).toEqual(deep.slice(-TRAIL_MAX));
    expect(new URL(pageHref("/history", f, [...f.cursors, "next"]), "http://x").searchParams.getAll("cursor")).toEqual([
      ...deep.slice(-TRAIL_MAX + 1),
      "next",
    ]);
  });

  it("escapes what it puts in an address", () => {
    expect(pageHref("/t/lab/history", { position: "battle stations&x=1", from: "", to: "", limit: "", cursors: [] }, ["a/b?c"])).toBe(
      "/t/lab/history?position=battle+stations%26x%3D1&cursor=a%2Fb%3Fc",
    );
  });
});
