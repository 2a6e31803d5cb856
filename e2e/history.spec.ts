// The history and statistics pages (issue 16) against a real server: orders and answers seeded
// through POST /api/order and /api/answer, then read as a visitor reads them, with and without
// JavaScript, on a 360 px phone, and refused to a visitor who may not see the telegraph.
import type { APIRequestContext } from "@playwright/test";
import { DEFAULT_FACE, labelOf } from "../lib/face";
import type { Snapshot } from "../lib/protocol";
import { duration, time } from "../lib/words";
import { type Panel, type Telegraph, expect, test } from "./fixtures";

/** What the test gave and saw: each order as the server stamped it, and its answer's, if any. */
interface Seeded {
  seq: number;
  position: number;
  at: string;
  answer?: { by: string; at: string };
}

async function post(request: APIRequestContext, url: string, route: "order" | "answer", position: string, by: string): Promise<Snapshot> {
  const response = await request.post(`${url}/api/${route}`, { data: { position, by } });
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()) as Snapshot;
}

/**
 * Six orders from Ann through the API, alternating positions (the same order twice is no news);
 * COFFEE answered by Bob once, STOP by Cy, the others never: superseded by the next order.
 */
async function seed(request: APIRequestContext, telegraph: Telegraph): Promise<Seeded[]> {
  const seeded: Seeded[] = [];
  for (const [position, answerer] of [
    ["coffee", "Bob"],
    ["lunch", ""],
    ["stop", "Cy"],
    ["coffee", ""],
    ["lunch", ""],
    ["coffee", ""],
  ]) {
    const { order } = await post(request, telegraph.url, "order", position, "Ann");
    const one: Seeded = { seq: order!.seq, position: order!.position, at: order!.at };
    if (answerer) {
      const { answer } = await post(request, telegraph.url, "answer", position, answerer);
      one.answer = { by: answerer, at: answer!.at };
    }
    seeded.push(one);
  }
  return seeded.reverse(); // newest first, as the page lists them
}

const wait = (o: Seeded) => duration(Date.parse(o.answer!.at) - Date.parse(o.at));

/** What the page says of each order, computed from what the test did. */
function expected(o: Seeded): RegExp {
  const label = labelOf(DEFAULT_FACE, o.position);
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const answered = o.answer ? `answered in ${wait(o)}` : "not answered";
  const by = o.answer ? `.*Answered by:\\s*${o.answer.by} at ${time(o.answer.at)}, after ${wait(o)}` : "";
  return new RegExp(`^${time(o.at)}\\s*${escape(label)}\\s*${answered}\\s*sent by Ann through the API${by}$`);
}

async function ordersOn(page: Panel): Promise<string[]> {
  return page.getByTestId("history-order").evaluateAll((items) => items.map((i) => (i as HTMLElement).dataset.seq!));
}

test.describe("with orders seeded", () => {
  test("lists them by day, newest first, saying who ordered, who answered when and how long it took", async ({ telegraph, newPage }) => {
    const page = await newPage();
    const seeded = await seed(page.request, telegraph);
    await page.goto(`${telegraph.url}/history`);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("History");
    await expect(page.getByTestId("history-order")).toHaveCount(6);
    expect(await ordersOn(page)).toEqual(seeded.map((o) => String(o.seq)));
    for (const [i, o] of seeded.entries()) await expect(page.getByTestId("history-order").nth(i)).toHaveText(expected(o));
    const outcomes = await page.getByTestId("outcome").evaluateAll((items) => items.map((i) => (i as HTMLElement).dataset.state));
    expect(outcomes).toEqual(seeded.map((o) => (o.answer ? "answered" : "unanswered")));
    expect(page.errors).toEqual([]);
  });

  test("filters by position and days with a plain form, and pages older and newer, all without JavaScript", async ({ telegraph, newPage }) => {
    const page = await newPage({ context: { javaScriptEnabled: false } });
    const seeded = await seed(page.request, telegraph);
    await page.goto(`${telegraph.url}/history`);
    await page.getByLabel("Position").selectOption("COFFEE");
    await page.getByRole("button", { name: "Show" }).click();
    await expect(page).toHaveURL(/[?&]position=coffee/);
    const coffee = seeded.filter((o) => o.position === 7).map((o) => String(o.seq));
    await expect(page.getByTestId("history-order")).toHaveCount(coffee.length);
    expect(await ordersOn(page)).toEqual(coffee);
    // The same orders to download: the API's CSV with the same filter.
    const csv = await page.getByTestId("csv").getAttribute("href");
    expect(csv).toBe("/api/telegraphs/default/history.csv?position=coffee");
    const download = await page.request.get(`${telegraph.url}${csv}`);
    expect(download.status()).toBe(200);
    expect(download.headers()["content-type"]).toMatch(/^text\/csv/);

    // Today only keeps them all; from tomorrow on there is nothing, and the page says so.
    const today = new Date(seeded[0].at);
    const day = (d: Date) => [d.getFullYear(), d.getMonth() + 1, d.getDate()].map((n) => String(n).padStart(2, "0")).join("-");
    await page.getByLabel("From", { exact: true }).fill(day(today));
    await page.getByLabel("To", { exact: true }).fill(day(today));
    await page.getByRole("button", { name: "Show" }).click();
    await expect(page.getByTestId("history-order")).toHaveCount(coffee.length);
    await page.getByLabel("From", { exact: true }).fill(day(new Date(today.getTime() + 86_400_000)));
    await page.getByLabel("To", { exact: true }).fill("");
    await page.getByRole("button", { name: "Show" }).click();
    await expect(page.getByTestId("history-empty")).toHaveText("No orders match these filters.");

    // A day that is none is said in one line, and nothing is read.
    await page.goto(`${telegraph.url}/history?from=someday`);
    await expect(page.getByTestId("history-error")).toHaveText('From: expected a day as YYYY-MM-DD, got "someday"');

    // Two a page: three pages, walked older to the end and newer back to the start.
    await page.goto(`${telegraph.url}/history?limit=2`);
    const pages = [0, 2, 4].map((i) => seeded.slice(i, i + 2).map((o) => String(o.seq)));
    expect(await ordersOn(page)).toEqual(pages[0]);
    await expect(page.getByTestId("newer")).toHaveCount(0);
    for (const shown of pages.slice(1)) {
      await page.getByTestId("older").click();
      await expect.poll(() => ordersOn(page)).toEqual(shown); // the next page's orders, once it has loaded
    }
    await expect(page.getByTestId("older")).toHaveCount(0);
    for (const shown of pages.slice(0, 2).reverse()) {
      await page.getByTestId("newer").click();
      await expect.poll(() => ordersOn(page)).toEqual(shown);
    }
    await expect(page.getByTestId("newer")).toHaveCount(0);
  });

  test("statistics: per position and week, p50 and p90 of the time to a first answer and the count never answered; orders by hour", async ({
    telegraph,
    newPage,
  }) => {
    const page = await newPage({ context: { javaScriptEnabled: false } });
    const seeded = await seed(page.request, telegraph);
    await page.goto(`${telegraph.url}/history`);
    await page.getByRole("link", { name: /^Statistics/ }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Statistics");

    // One answered order a position at most: its wait is both p50 and p90, however they are interpolated.
    const rows = page.getByTestId("table-positions").locator("tbody tr");
    for (const position of [7, 8, 6]) {
      const orders = seeded.filter((o) => o.position === position);
      const answered = orders.filter((o) => o.answer);
      const p = answered.length ? wait(answered[0]) : "none";
      const cells = [labelOf(DEFAULT_FACE, position), String(orders.length), String(orders.length - answered.length), p, p];
      await expect(rows.filter({ has: page.locator("th", { hasText: new RegExp(`^${cells[0]}$`) }) })).toHaveText(
        new RegExp(`^${cells.join("\\s*")}$`),
      );
    }
    const weeks = page.getByTestId("table-weeks").locator("tbody tr");
    await expect(weeks.filter({ hasText: "COFFEE" })).toHaveText(/COFFEE\s*3\s*2/);

    const byHour = new Map<number, number>();
    for (const o of seeded) byHour.set(new Date(o.at).getHours(), (byHour.get(new Date(o.at).getHours()) ?? 0) + 1);
    const hours = page.getByTestId("table-hours").locator("tbody tr");
    for (let hour = 0; hour < 24; hour++) await expect(hours.nth(hour).locator("td")).toHaveText(String(byHour.get(hour) ?? 0));

    for (const id of ["chart-positions", "chart-weeks", "chart-hours"]) {
      const chart = page.getByTestId(id);
      await expect(chart).toHaveAttribute("role", "img");
      await expect(chart).toHaveAccessibleName(/.+/);
    }
    await page.getByRole("link", { name: /^History/ }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("History");
  });

  test("fits a 360 px phone: no sideways scrolling of the page", async ({ telegraph, newPage }) => {
    const page = await newPage({ context: { viewport: { width: 360, height: 740 } } });
    await seed(page.request, telegraph);
    for (const path of ["/history", "/stats"]) {
      await page.goto(`${telegraph.url}${path}`);
      await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
      expect(await page.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(360);
    }
  });

  test("is linked from the panel", async ({ openPanel, telegraph }) => {
    const panel = await openPanel();
    await panel.getByTestId("history-link").click();
    await expect(panel).toHaveURL(`${telegraph.url}/history`);
    await expect(panel.getByRole("heading", { level: 1 })).toHaveText("History");
  });
});

test("a telegraph there is not is the 404 page, on history and statistics alike", async ({ telegraph, newPage }) => {
  const page = await newPage();
  for (const path of ["/t/nowhere/history", "/t/nowhere/stats", "/t/Not-A-Slug/history", "/t/api/history"]) {
    const response = await page.goto(`${telegraph.url}${path}`);
    expect(response?.status(), path).toBe(404);
  }
});

test.describe("when visitors may not see the telegraph", () => {
  test.use({ serverFlags: ["--anonymous", "none"] });

  test("the page asks them to sign in, never shows an empty history; signed in, it shows theirs", async ({ telegraph, newPage }) => {
    const page = await newPage();
    for (const path of ["/history", "/stats"]) {
      await page.goto(`${telegraph.url}${path}`);
      await expect(page.getByTestId("history-sign-in")).toHaveText("History is shown to those who may see this telegraph. Sign in to see it.");
      await expect(page.getByTestId("history-sign-in").getByRole("link", { name: "Sign in" })).toHaveAttribute("href", "/signin");
      await expect(page.getByTestId("history-order")).toHaveCount(0);
      await expect(page.getByTestId("history-empty")).toHaveCount(0);
    }

    // The first admin signs in through the link the server logged; the page reads the API with their cookie.
    const line = await telegraph.server.waitFor(/Sign in as admin with this one-time link/, { seen: true });
    await page.goto(/http:\/\/\S+\/welcome#signin_[\w-]+/.exec(line)![0]);
    await page.getByLabel("New password").fill("correct horse battery staple");
    await page.getByLabel("Repeat the password").fill("correct horse battery staple");
    await page.getByRole("button", { name: "Set password and sign in" }).click();
    await expect(page.getByTestId("account")).toContainText("Signed in as admin (admin)");
    const { order } = await post(page.request, telegraph.url, "order", "lunch", "");
    await page.goto(`${telegraph.url}/history`);
    await expect(page.getByTestId("history-order")).toHaveText(
      new RegExp(`^${time(order!.at)}\\s*LUNCH\\s*not answered\\s*sent by admin through the API$`),
    );
  });
});
