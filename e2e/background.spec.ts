// A panel in a background tab that the browser hid and froze shows the latest order as soon as it
// is looked at again, and rings for it once.
import type { BrowserContext, Page } from "@playwright/test";
import { type Panel, expect, loadPanel } from "./fixtures";
import { test } from "./tabs";

/** Well inside the 20 s that heartbeats take to find a dead connection. */
const PROMPTLY = { timeout: 3_000 };

/** What the page went through, as it saw it. */
function recordLifecycle() {
  const seen: string[] = [];
  Object.assign(window, { lifecycle: seen });
  document.addEventListener("visibilitychange", () => seen.push(document.visibilityState));
  document.addEventListener("freeze", () => seen.push("frozen"));
  document.addEventListener("resume", () => seen.push("resumed"));
}
const lifecycle = (page: Page) => page.evaluate(() => (window as unknown as { lifecycle: string[] }).lifecycle);

/** A panel in a new tab, in front of the others, with its sound on; watched for errors. */
async function openTab(tabs: BrowserContext, url: string): Promise<Panel> {
  const page = await tabs.newPage();
  await page.addInitScript(recordLifecycle);
  return loadPanel(page, url, { sound: "armed" });
}

/** Another tab comes in front, then the browser freezes this one, as it does to background tabs. */
async function sendToBackground(page: Page, tabs: BrowserContext, url: string): Promise<Panel> {
  const front = await openTab(tabs, url);
  const cdp = await tabs.newCDPSession(page);
  await cdp.send("Page.setWebLifecycleState", { state: "frozen" });
  await cdp.detach();
  await expect.poll(() => lifecycle(page)).toEqual(["hidden", "frozen"]);
  return front;
}

/**
 * A panel's console errors but the one a frozen tab is expected to log: Chromium closes the
 * WebSocket of a page as it freezes it, as it does for a page entering its back-forward cache,
 * and logs it in the same words. socket.io reconnects once the tab runs again; any other error counts.
 */
function errorsBesidesFreezing(panel: Panel, url: string): string[] {
  const socket = url.replace(/^http/, "ws").replace(/[.]/g, "\\.");
  const closed = new RegExp(
    `^WebSocket connection to '${socket}/socket\\.io/\\?EIO=4&transport=websocket&sid=[\\w-]+' failed: Page entered Back-Forward Cache\\.$`,
  );
  const once = panel.errors.findIndex((e) => closed.test(e));
  return panel.errors.filter((_, i) => i !== once);
}

/** Looked at again: Chromium unfreezes a tab it shows. */
async function bringBack(page: Page) {
  await page.bringToFront();
  await expect.poll(() => lifecycle(page)).toEqual(["hidden", "frozen", "resumed", "visible"]);
}

test("a frozen background tab shows the order given meanwhile as soon as it is looked at", async ({ tabs, telegraph }) => {
  const panel = await openTab(tabs, telegraph.url);
  const front = await sendToBackground(panel, tabs, telegraph.url);

  await telegraph.order("lunch");
  await expect(front.getByTestId("order")).toContainText("LUNCH");
  // The tab in front got it; the frozen one runs nothing, so has not.
  await expect(panel.getByTestId("order")).toHaveText("no order yet");

  await bringBack(panel);
  await expect(panel.getByTestId("order-indicator")).toHaveAttribute("data-position", "8", PROMPTLY);
  await expect(panel.getByTestId("order")).toContainText("LUNCH");
  await expect(panel.getByTestId("bell")).toHaveAttribute("data-rings", "1");
  await expect(panel.getByTestId("bell")).toHaveAttribute("data-strikes", "1");
  expect([...errorsBesidesFreezing(panel, telegraph.url), ...front.errors]).toEqual([]);
});

test("a background tab frozen while the server restarted shows the order given meanwhile as soon as it is looked at", async ({ tabs, telegraph }) => {
  const panel = await openTab(tabs, telegraph.url);
  const front = await sendToBackground(panel, tabs, telegraph.url);

  await telegraph.server.stop("SIGKILL");
  await expect(front.getByTestId("connection")).toHaveText("reconnecting…");
  await telegraph.order("battle stations"); // while the server is down
  await telegraph.startServer();
  await expect(front.getByTestId("order")).toContainText("BATTLE STATIONS");
  // Frozen, the panel has not even seen its connection drop.
  await expect(panel.getByTestId("connection")).toHaveText("connected");
  await expect(panel.getByTestId("order")).toHaveText("no order yet");

  // Chromium hands the frozen page the closed connection as it resumes; socket.io retries within
  // 0.75 s, long before a heartbeat would have noticed.
  await bringBack(panel);
  await expect(panel.getByTestId("order-indicator")).toHaveAttribute("data-position", "11", PROMPTLY);
  await expect(panel.getByTestId("connection")).toHaveText("connected");
  await expect(panel.getByTestId("bell")).toHaveAttribute("data-rings", "1");
  await expect(panel.getByTestId("bell")).toHaveAttribute("data-strikes", "1");
});

test("a background tab that lost the network reconnects as soon as it is looked at, not at socket.io's next retry", async ({ tabs, telegraph }) => {
  const panel = await openTab(tabs, telegraph.url);
  await openTab(tabs, telegraph.url); // in front: the panel is hidden, its timers throttled
  expect(await lifecycle(panel)).toEqual(["hidden"]);

  const refused: string[] = [];
  panel.on("requestfailed", (r) => refused.push(r.url()));
  await tabs.setOffline(true);
  await expect(panel.getByTestId("connection")).toHaveText("reconnecting…");
  // socket.io's retries back off (0.5, 1, 2, 4 s …): after the fifth, the next is 5 s away.
  await expect.poll(() => refused.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(5);
  await telegraph.order("coffee");
  await tabs.setOffline(false);

  await panel.bringToFront();
  await expect(panel.getByTestId("order-indicator")).toHaveAttribute("data-position", "7", { timeout: 2_000 });
  await expect(panel.getByTestId("connection")).toHaveText("connected");
  await expect(panel.getByTestId("bell")).toHaveAttribute("data-rings", "1");
});
