// History over HTTP and the `chadburn history` command, against a real server on loopback: orders
// and answers given through the API, a panel's receipts over socket.io, then the three routes.
import { afterEach, describe, expect, it } from "vitest";
import type { HistoryPage, Stats } from "../lib/history";
import { program } from "../server/cli";
import { RemoteError } from "../server/remote";
import { getJson, postJson } from "./support/http";
import { connect } from "./support/panels";
import { startServer } from "./support/server";
import { tracker } from "./support/track";
import { waitFor } from "./support/wait";

const track = tracker();
afterEach(() => track.cleanup());

/** A server with three orders: COFFEE answered by Bob, STOP by nobody, then LUNCH ordered by someone whose name is a formula. */
async function served() {
  const server = track.server(await startServer());
  const give = async (type: "order" | "answer", position: string, by: string) =>
    expect((await postJson(`${server.url}/api/${type}`, { position, by })).status).toBe(200);
  await give("order", "coffee", "Ann");
  await give("answer", "coffee", "Bob");
  await give("order", "stop", "Ann");
  await give("order", "lunch", '=HYPERLINK("http://evil","x")');
  return server;
}

const api = (url: string, route: string) => getJson(`${url}/api/telegraphs/${route}`);

describe("GET /api/telegraphs/:slug/history", () => {
  it("pages the orders newest first with their answers and receipts; filters by position name and span", async () => {
    const server = await served();
    const { client } = track.client(await connect(server.url));
    expect(await client.emitWithAck("hello", { panel: "panel-history-1", name: "Cy" })).toEqual({ ok: true });
    client.emit("receipt", { seq: 3, heard: "rang" });
    // Written within a second (in a batch): the history shows it then.
    const withReceipt = await waitFor(async () => {
      const page = (await api(server.url, "default/history")).body as HistoryPage;
      return page.orders[0]?.receipts.rang === 1 ? page : undefined;
    }, "the receipt in the history");
    expect(withReceipt.orders.map((o) => [o.seq, o.label, o.by, o.firstAnswerMs === null, o.answers.map((a) => a.by)])).toEqual([
      [3, "LUNCH", '=HYPERLINK("http://evil","x")', true, []],
      [2, "STOP", "Ann", true, []],
      [1, "COFFEE", "Ann", false, ["Bob"]],
    ]);
    expect(withReceipt.orders[0].receipts).toEqual({ delivered: 1, rang: 1, muted: 0, blocked: 0 });

    const first = await api(server.url, "default/history?limit=2");
    expect([first.status, (first.body as HistoryPage).orders.map((o) => o.seq)]).toEqual([200, [3, 2]]);
    const next = await api(server.url, `default/history?limit=2&cursor=${(first.body as HistoryPage).next}`);
    expect([(next.body as HistoryPage).orders.map((o) => o.seq), (next.body as HistoryPage).next]).toEqual([[1], null]);
    const coffee = await api(server.url, "default/history?position=COFFEE&since=1h");
    expect((coffee.body as HistoryPage).orders.map((o) => o.seq)).toEqual([1]);
    expect((await api(server.url, "default/history?until=2020-01-01")).body).toEqual({ telegraph: "default", orders: [], next: null });
  });

  it("refuses bad input with 400 and one line, an unknown telegraph with 404; reading needs the right to see", async () => {
    const server = await served();
    const refused: [string, number, RegExp][] = [
      ["default/history?since=yesterday", 400, /^since: "yesterday" is not a time: give an ISO date or time/],
      ["default/history?until=2026-02-30", 400, /^until: /],
      ["default/history?since=1d&until=2d", 400, /^since: must be before until$/],
      ["default/history?limit=0", 400, /^limit: a whole number, 1 to 500$/],
      ["default/history?cursor=nonsense", 400, /^cursor: not one this server gave/],
      ["default/history?position=tennis", 400, /^position: unknown position "tennis": this face has 1 FULL, /],
      ["default/stats?since=soon", 400, /^since: /],
      ["default/history.csv?position=tennis", 400, /^position: unknown position/],
      ["workshop/history", 404, /^no telegraph "workshop" here$/],
      ["workshop/stats", 404, /^no telegraph/],
      ["workshop/history.csv", 404, /^no telegraph/],
    ];
    for (const [route, status, error] of refused) {
      const { status: got, body } = await api(server.url, route);
      expect([route, got]).toEqual([route, status]);
      expect(body.error).toMatch(error);
      expect(body.error).not.toContain("\n");
    }
    const closed = track.server(await startServer({ anonymous: "none" }));
    expect((await api(closed.url, "default/history")).status).toBe(401);
    expect((await api(closed.url, "default/stats")).status).toBe(401);
    expect((await fetch(`${closed.url}/api/telegraphs/default/history.csv`)).status).toBe(401);
  });
});

describe("GET /api/telegraphs/:slug/stats and history.csv", () => {
  it("stats: per position and week, never-answered counted, orders by hour", async () => {
    const server = await served();
    const { status, body } = await api(server.url, "default/stats?since=1h");
    expect(status).toBe(200);
    const stats = body as Stats;
    expect(stats.positions.map(({ position, orders, answered, unanswered }) => [position, orders, answered, unanswered])).toEqual([
      [6, 1, 0, 1],
      [7, 1, 1, 0],
      [8, 1, 0, 1],
    ]);
    expect(stats.positions[1].p50Ms).toBe(stats.positions[1].p90Ms);
    expect(stats.weeks.map((w) => w.orders).reduce((a, b) => a + b)).toBe(3);
    expect(stats.byHour.reduce((a, b) => a + b)).toBe(3);
    expect(stats.byHour[new Date().getHours()] + stats.byHour[(new Date().getHours() + 23) % 24]).toBe(3);
    const span = Date.parse(stats.until) - Date.parse(stats.since); // an hour back from the query's parse, up to the stats' now
    expect(span >= 3600_000 && span < 3660_000).toBe(true);
  });

  it("CSV: a header, each order and its answers, oldest first; a formula in a name is not one", async () => {
    const server = await served();
    const res = await fetch(`${server.url}/api/telegraphs/default/history.csv?since=7d`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="default-history.csv"');
    const lines = (await res.text()).split("\r\n");
    expect(lines.map((line) => line.split(",").slice(0, 2).join(","))).toEqual(["row,seq", "order,1", "answer,1", "order,2", "order,3", ""]);
    expect(lines[4]).toContain(`,"'=HYPERLINK(""http://evil"",""x"")",api,`);
  });
});

describe("chadburn history", () => {
  /** Runs the command in this process; the lines it printed. */
  async function history(...args: string[]): Promise<string[]> {
    const printed: string[] = [];
    await program((line) => printed.push(line)).parseAsync(["history", ...args], { from: "user" });
    return printed;
  }

  it("prints the orders newest first, or the CSV; says why it refuses", async () => {
    const server = await served();
    const [table] = await history("--url", server.url, "--since", "7d");
    const lines = table.split("\n");
    expect(lines[0]).toMatch(/^AT\s+SEQ\s+ORDER\s+BY\s+FIRST ANSWER\s+ANSWERS$/);
    expect(lines.slice(1).map((line) => line.split(/\s{2,}/).slice(1, 3))).toEqual([
      ["#3", "LUNCH (8)"],
      ["#2", "STOP (6)"],
      ["#1", "COFFEE (7)"],
    ]);
    expect(lines[3]).toMatch(/Ann\s+Bob in \d+ s\s+1$/);
    expect(lines[2]).toMatch(/Ann\s+never\s+0$/);
    expect(await history("--url", server.url, "--position", "coffee", "--until", "2020-01-01")).toEqual(["No orders in that span."]);
    const [csv] = await history("--url", server.url, "--csv", "--position", "7");
    expect(csv.split("\r\n").map((line) => line.split(",")[0])).toEqual(["row", "order", "answer"]);
    await expect(history("--url", server.url, "--since", "soon")).rejects.toThrow(
      new RemoteError(
        'since: "soon" is not a time: give an ISO date or time (2026-11-26, 2026-11-26T10:00Z) or a span back from now (7d, 24h, 90m)',
        2,
      ),
    );
    await expect(history("--url", server.url, "--telegraph", "workshop")).rejects.toThrow(/^no telegraph "workshop" here$/);
  });
});
