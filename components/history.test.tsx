// The history and statistics views rendered as the server renders them (static markup, no script),
// from fixtures in lib/history.ts's shapes: what a visitor reads, and what a screen reader gets.
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { DEFAULT_FACE, labelOf } from "../lib/face";
import type { HistoryOrder, Stats } from "../lib/history";
import HistoryFilters from "./HistoryFilters";
import HistoryList from "./HistoryList";
import StatsView from "./StatsView";

// Days and times as a server in UTC renders them (set before anything below renders).
process.env.TZ = "UTC";

/** The words a reader sees, in order, one space between (none before punctuation). */
const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, " ")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
    .replace(/ ([,.:;])/g, "$1")
    .trim();

const NONE = { delivered: 0, rang: 0, muted: 0, blocked: 0 };
const order = (o: Partial<HistoryOrder> & Pick<HistoryOrder, "seq" | "position" | "at">): HistoryOrder => ({
  label: labelOf(DEFAULT_FACE, o.position),
  source: "panel",
  answers: [],
  firstAnswerMs: null,
  receipts: NONE,
  ...o,
});

/** Newest first, as the API gives them: two days, each way an order can end. */
const ORDERS: HistoryOrder[] = [
  order({
    seq: 5,
    position: 7,
    at: "2026-12-06T10:02:00.000Z",
    by: "Ann",
    answers: [
      { position: 7, by: "Bob", at: "2026-12-06T10:02:42.000Z", afterMs: 42_000 },
      { position: 7, by: "Cy", at: "2026-12-06T10:05:07.000Z", afterMs: 187_000 },
    ],
    firstAnswerMs: 42_000,
  }),
  order({ seq: 4, position: 8, at: "2026-12-06T09:00:00.000Z", source: "telegraph" }),
  order({ seq: 3, position: 7, at: "2026-12-05T16:00:00.000Z", source: "api", expiredAt: "2026-12-05T16:10:00.000Z" }),
  order({
    seq: 2,
    position: 6,
    at: "2026-12-05T08:30:00.000Z",
    by: "Dee",
    answers: [{ position: 2, at: "2026-12-05T08:31:00.000Z", afterMs: 60_000 }],
    firstAnswerMs: 60_000,
  }),
];

describe("a page of history", () => {
  const html = renderToStaticMarkup(<HistoryList orders={ORDERS} face={DEFAULT_FACE} filtered={false} />);

  it("lists the orders by day, newest first, each day under its heading", () => {
    expect([...html.matchAll(/data-day="([\d-]+)"/g)].map((m) => m[1])).toEqual(["2026-12-06", "2026-12-05"]);
    expect([...html.matchAll(/data-seq="(\d+)"/g)].map((m) => m[1])).toEqual(["5", "4", "3", "2"]);
    expect(html).toMatch(/<h2 id="day-2026-12-06"><time dateTime="2026-12-06">Sunday,? 6 December 2026<\/time><\/h2>/);
  });

  it("says of each order when, what, who gave it, who answered when, and how long it waited, or that nobody answered", () => {
    const orders = html.split('data-testid="history-order"').slice(1).map(text);
    expect(orders[0]).toContain(
      "10:02 COFFEE answered in 42 s sent by Ann from a panel Answered by: Bob at 10:02, after 42 s Cy at 10:05, after 3 min 7 s",
    );
    expect(orders[1]).toContain("09:00 LUNCH not answered from the telegraph");
    expect(orders[1]).not.toContain("Answered by");
    expect(orders[2]).toContain("16:00 COFFEE expired at 16:10, not answered sent through the API");
    // An answer naming another position says which; one without a name is "someone".
    expect(orders[3]).toContain("08:30 STOP answered in 1 min sent by Dee from a panel Answered by: someone with HALF at 08:31, after 1 min");
  });

  it("marks each outcome for the eye as well as in words", () => {
    expect([...html.matchAll(/data-state="(\w+)" data-testid="outcome"/g)].map((m) => m[1])).toEqual([
      "answered",
      "unanswered",
      "expired",
      "answered",
    ]);
    expect(html).toContain('<time dateTime="2026-12-06T10:02:00.000Z">10:02</time>');
  });

  it("says so when there is nothing to list, and whether the filters are why", () => {
    expect(text(renderToStaticMarkup(<HistoryList orders={[]} face={DEFAULT_FACE} filtered={false} />))).toBe("No orders yet.");
    expect(text(renderToStaticMarkup(<HistoryList orders={[]} face={DEFAULT_FACE} filtered />))).toBe("No orders match these filters.");
  });
});

describe("the filters", () => {
  it("are a plain GET form to the page itself, showing what is asked", () => {
    const html = renderToStaticMarkup(
      <HistoryFilters
        action="/t/lab/history"
        face={DEFAULT_FACE}
        filters={{ position: "7", from: "2026-11-30", to: "", limit: "", cursors: ["c2"] }}
        byPosition
      />,
    );
    expect(html).toMatch(/^<form [^>]*action="\/t\/lab\/history" method="get">/);
    expect(html).toContain('<option value="coffee" selected="">COFFEE</option>');
    expect(html).toContain('<input type="date" name="from" value="2026-11-30"/>');
    expect(html).toContain('<input type="date" name="to" value=""/>');
    // A new filter starts at the newest page: the cursor is not in the form.
    expect(html).not.toContain("c2");
    expect(html).toContain('<a href="/t/lab/history">Clear the filters</a>');
  });

  it("leave the position out on the statistics page", () => {
    const html = renderToStaticMarkup(
      <HistoryFilters action="/stats" face={DEFAULT_FACE} filters={{ position: "", from: "", to: "", limit: "", cursors: [] }} byPosition={false} />,
    );
    expect(html).not.toContain("<select");
    expect(html).not.toContain("Clear the filters");
  });
});

const STATS: Stats = {
  telegraph: "default",
  since: "2026-11-23T00:00:00.000Z",
  until: "2026-12-07T00:00:00.000Z",
  timeZone: "UTC",
  positions: [
    { position: 7, orders: 10, answered: 8, unanswered: 2, p50Ms: 42_000, p90Ms: 185_000 },
    { position: 11, orders: 3, answered: 0, unanswered: 3, p50Ms: null, p90Ms: null },
  ],
  weeks: [
    { week: "2026-11-23", position: 7, orders: 4, answered: 3, unanswered: 1, p50Ms: 50_000, p90Ms: 185_000 },
    { week: "2026-11-30", position: 7, orders: 6, answered: 5, unanswered: 1, p50Ms: 40_000, p90Ms: 120_000 },
    { week: "2026-11-30", position: 11, orders: 3, answered: 0, unanswered: 3, p50Ms: null, p90Ms: null },
  ],
  byHour: Array.from({ length: 24 }, (_, hour) => ({ 10: 8, 16: 5 })[hour] ?? 0),
};

/** The markup of the element that has `data-testid="id"`, up to its closing `tag`. */
const part = (html: string, id: string, tag: string) => {
  const start = html.lastIndexOf(`<${tag}`, html.indexOf(`data-testid="${id}"`));
  return html.slice(start, html.indexOf(`</${tag}>`, start) + tag.length + 3);
};

describe("the statistics", () => {
  const html = renderToStaticMarkup(<StatsView stats={STATS} face={DEFAULT_FACE} />);

  it("draws each chart as an image with a title and a description", () => {
    for (const id of ["chart-positions", "chart-weeks", "chart-hours"]) {
      expect(part(html, id, "svg")).toMatch(
        new RegExp(
          `^<svg [^>]*role="img" aria-labelledby="${id}-title ${id}-desc"[^>]*><title id="${id}-title">[^<]+</title><desc id="${id}-desc">[^<]+</desc>`,
        ),
      );
    }
  });

  it("per position: p50 and p90 of the time to a first answer, and the orders never answered, in the chart and the table", () => {
    const chart = part(html, "chart-positions", "svg");
    expect(text(chart)).toContain("COFFEE: 10 orders, 2 never answered p50 42 s, p90 3 min 5 s");
    expect(text(chart)).toContain("BATTLE STATIONS: 3 orders, 3 never answered p50 none, p90 none");
    // On one scale: the longest p90 spans the drawing; p50 42 s is 42/185 of it.
    expect([...chart.matchAll(/<rect [^>]*width="([\d.]+)"/g)].map((m) => Number(m[1]))).toEqual([72.6, 320, 0, 0]);
    const table = part(html, "table-positions", "table");
    expect(table).toContain("<caption>Time to first answer, by position</caption>");
    expect(table).toContain(
      '<tr><th scope="col">Position</th><th scope="col">Orders</th><th scope="col">Never answered</th><th scope="col">p50</th><th scope="col">p90</th></tr>',
    );
    expect(table).toContain('<tr><th scope="row">COFFEE</th><td>10</td><td>2</td><td>42 s</td><td>3 min 5 s</td></tr>');
    expect(table).toContain('<tr><th scope="row">BATTLE STATIONS</th><td>3</td><td>3</td><td>none</td><td>none</td></tr>');
  });

  it("per week: the orders and those never answered in the chart, by position with p50 and p90 in the table", () => {
    const chart = text(part(html, "chart-weeks", "svg"));
    expect(chart).toContain("Week of 23 Nov 2026 4 orders, 1 never answered");
    expect(chart).toContain("Week of 30 Nov 2026 9 orders, 4 never answered");
    const table = part(html, "table-weeks", "table");
    expect(table).toContain(
      '<tr><th scope="row"><time dateTime="2026-11-30">30 Nov 2026</time></th><td>COFFEE</td><td>6</td><td>1</td><td>40 s</td><td>2 min</td></tr>',
    );
    expect(table).toContain(
      '<tr><th scope="row"><time dateTime="2026-11-30">30 Nov 2026</time></th><td>BATTLE STATIONS</td><td>3</td><td>3</td><td>none</td><td>none</td></tr>',
    );
  });

  it("orders by hour of day: 24 columns on one scale, and the table of the same", () => {
    const chart = part(html, "chart-hours", "svg");
    const heights = [...chart.matchAll(/<rect [^>]*height="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(heights).toHaveLength(24);
    expect(heights[10]).toBe(96);
    expect(heights[16]).toBe(60);
    expect(heights.filter((h) => h === 0)).toHaveLength(22);
    expect(text(chart)).toContain("most: 8 orders in an hour");
    const table = part(html, "table-hours", "table");
    expect(table).toContain('<tr><th scope="row">10:00–10:59</th><td>8</td></tr>');
    expect(table.match(/<tr>/g)).toHaveLength(25);
  });

  it("says which days and time zone it counts in", () => {
    expect(text(part(html, "stats-span", "p"))).toMatch(/^From 23 Nov 2026, 00:00 to 7 Dec 2026, 00:00; days and hours in UTC\./);
  });

  it("says so when there were no orders, and draws nothing", () => {
    const empty = renderToStaticMarkup(<StatsView stats={{ ...STATS, positions: [], weeks: [], byHour: Array(24).fill(0) }} face={DEFAULT_FACE} />);
    expect(empty).toContain("No orders in these days.");
    expect(empty).not.toContain("<svg");
  });
});
