// ?since=, ?until= and the history's queries as the server parses them.
import { describe, expect, it } from "vitest";
import { HISTORY_PAGE_MAX, HistoryQuery, parseWhen } from "./history";
import { parse } from "./protocol";

const NOW = new Date("2026-12-06T12:00:00.000Z");

describe("parseWhen", () => {
  it("takes a span back from now, an ISO time, or a date (local midnight; as until, the whole day)", () => {
    expect(parseWhen("7d", NOW, "since")).toEqual(new Date("2026-11-29T12:00:00.000Z"));
    expect(parseWhen("24h", NOW, "since")).toEqual(new Date("2026-12-05T12:00:00.000Z"));
    expect(parseWhen("90m", NOW, "until")).toEqual(new Date("2026-12-06T10:30:00.000Z"));
    expect(parseWhen("2026-11-26T10:00Z", NOW, "since")).toEqual(new Date("2026-11-26T10:00:00.000Z"));
    expect(parseWhen("2026-11-26T10:00:05.250+01:00", NOW, "since")).toEqual(new Date("2026-11-26T09:00:05.250Z"));
    expect(parseWhen("2026-11-26", NOW, "since")).toEqual(new Date(2026, 10, 26));
    expect(parseWhen("2026-11-26", NOW, "until")).toEqual(new Date(2026, 10, 27));
    expect(parseWhen("2026-12-31", NOW, "until")).toEqual(new Date(2027, 0, 1));
  });

  it("says why anything else is not a time", () => {
    for (const bad of ["", "7", "7w", "-7d", "yesterday", "2026-13-01", "2026-02-30T25:00", "1e3d", "2026-11-26T10:00Zjunk"]) {
      expect(parseWhen(bad, NOW, "since")).toMatch(/is not a time: give an ISO date or time .* or a span back from now \(7d, 24h, 90m\)$/);
    }
  });
});

describe("HistoryQuery", () => {
  it("parses the span, position, cursor and limit; refuses a bad one in one line naming it", () => {
    const ok = parse(HistoryQuery, { since: "2026-11-26", limit: "20", position: "coffee", cursor: "czEy" });
    expect(ok).toEqual({ ok: true, value: { since: new Date(2026, 10, 26), until: undefined, limit: 20, position: "coffee", cursor: "czEy" } });
    expect(parse(HistoryQuery, {})).toEqual({ ok: true, value: { since: undefined, until: undefined } });
    expect(parse(HistoryQuery, { since: "last week" })).toEqual({ ok: false, error: expect.stringMatching(/^since: "last week" is not a time: /) });
    expect(parse(HistoryQuery, { until: "2026-02-30" })).toMatchObject({ ok: false, error: expect.stringMatching(/^until: /) });
    expect(parse(HistoryQuery, { limit: "0" })).toEqual({ ok: false, error: `limit: a whole number, 1 to ${HISTORY_PAGE_MAX}` });
    expect(parse(HistoryQuery, { limit: String(HISTORY_PAGE_MAX + 1) })).toEqual({ ok: false, error: `limit: at most ${HISTORY_PAGE_MAX}` });
  });
});
