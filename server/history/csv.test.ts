// The CSV export's cells and lines: RFC 4180 quoting, and no cell a spreadsheet would run as a formula.
import { describe, expect, it } from "vitest";
import type { HistoryOrder } from "../../lib/history";
import { DEFAULT_FACE } from "../../lib/face";
import { CSV_HEADER, cell, csvLines } from "./csv";

describe("a CSV cell", () => {
  it("is quoted when it holds a comma, quote or line end, quotes doubled", () => {
    expect(["plain", "a,b", 'say "hi"', "two\nlines", "cr\r", 42, null, undefined].map(cell)).toEqual([
      "plain",
      '"a,b"',
      '"say ""hi"""',
      '"two\nlines"',
      '"cr\r"',
      "42",
      "",
      "",
    ]);
  });

  it("starting with = + - @ tab or CR, gets a leading ' so a spreadsheet shows it, never runs it", () => {
    expect(['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd", "a=b"].map(cell)).toEqual([
      '"\'=HYPERLINK(""http://x"",""y"")"',
      "'+1",
      "'-2+3",
      "'@SUM(A1)",
      "'\tcmd",
      '"\'\rcmd"',
      "a=b",
    ]);
    expect(cell(-5)).toBe("-5"); // a number of ours is a number
  });
});

describe("the CSV lines", () => {
  it("a header, then each order followed by its answers, CRLF", () => {
    const order: HistoryOrder = {
      seq: 12,
      position: 7,
      label: "COFFEE",
      at: "2026-12-01T10:00:00.000Z",
      by: "=Ann",
      source: "panel",
      answers: [{ position: 7, by: "Bob, Jr", at: "2026-12-01T10:00:42.000Z", afterMs: 42_000 }],
      firstAnswerMs: 42_000,
      receipts: { delivered: 3, rang: 2, muted: 1, blocked: 0 },
    };
    expect([...csvLines([order], DEFAULT_FACE)]).toEqual([
      `${CSV_HEADER.join(",")}\r\n`,
      "order,12,2026-12-01T10:00:00.000Z,7,COFFEE,'=Ann,panel,,42000,,3,2,1,0\r\n",
      'answer,12,2026-12-01T10:00:42.000Z,7,COFFEE,"Bob, Jr",,42000,,,,,,\r\n',
    ]);
  });
});
