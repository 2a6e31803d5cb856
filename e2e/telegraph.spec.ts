// The whole loop in a real browser: the simulated telegraph writes the status file, panels in
// separate browser contexts turn and ring, answers and orders from panels reach the files.
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";

/** Where the dial points at each position of the default face: STOP (6) straight up. */
const angle = (position: number) => -104.2 + (position - 1) * 20.84;

async function expectOrder(page: Page, position: number, label: string) {
  const indicator = page.getByTestId("order-indicator");
  await expect(indicator).toHaveAttribute("data-position", String(position));
  expect(Number(await indicator.getAttribute("data-angle"))).toBeCloseTo(angle(position), 1);
  await expect(page.getByRole("button", { name: label, exact: true })).toHaveAttribute("aria-current", "true");
  await expect(page.getByTestId("order")).toContainText(label);
}

test("an order from the telegraph reaches every panel; an answer reaches the accept file and every panel", async ({ openPanel, telegraph }) => {
  const ann = await openPanel({ name: "Ann" });
  const bob = await openPanel({ name: "Bob" });
  for (const page of [ann, bob]) await expect(page.getByTestId("bell")).toHaveAttribute("data-rings", "0");

  await telegraph.order("coffee");
  for (const page of [ann, bob]) {
    await expectOrder(page, 7, "COFFEE");
    await expect(page.getByTestId("bell")).toHaveAttribute("data-rings", "1");
    await expect(page.getByTestId("acknowledged")).toHaveText(/^waiting for an answer; clears at \d\d:\d\d$/); // COFFEE expires after 10 minutes
    await expect(page).toHaveTitle("● COFFEE — Chadburn");
    await expect(page.getByTestId("announcer")).toHaveText("New order: COFFEE");
  }

  await ann.getByRole("button", { name: "COFFEE", exact: true }).click();
  await expect.poll(() => telegraph.read(telegraph.acceptFile)).toBe("7\n");
  await telegraph.sim.waitFor(/^answer 7 COFFEE$/, { seen: true });
  for (const page of [ann, bob]) {
    await expect(page.getByTestId("acknowledged")).toHaveText("acknowledged");
    await expect(page.getByTestId("answer")).toContainText("answered by Ann");
    await expect(page.getByTestId("answer-handle")).toHaveAttribute("data-position", "7");
    await expect(page).toHaveTitle("Chadburn");
  }
  expect([...ann.errors, ...bob.errors]).toEqual([]);
});

test("a panel sends an order: the status file holds it and the other panel rings", async ({ openPanel, telegraph }) => {
  const ann = await openPanel({ name: "Ann" });
  const bob = await openPanel({ name: "Bob" });

  await bob.getByLabel("Order to send").selectOption({ label: "LUNCH" });
  await bob.getByRole("button", { name: "Send order" }).click();
  await expect.poll(() => telegraph.read(telegraph.statusFile)).toBe("8\n");
  await expectOrder(ann, 8, "LUNCH");
  await expect(ann.getByTestId("bell")).toHaveAttribute("data-rings", "1");
  await expect(ann.getByTestId("order")).toContainText("sent by Bob from a panel");
  // The order written into the status file is not read back as a second order.
  await expect(ann.getByTestId("order")).not.toContainText("from the telegraph");
});

test("the dial answers from the keyboard", async ({ openPanel, telegraph }) => {
  const page = await openPanel({ name: "Kim" });
  await telegraph.order("9");
  await expectOrder(page, 9, "EWW");
  await page.getByRole("button", { name: "STOP", exact: true }).focus();
  for (let i = 0; i < 3; i++) await page.keyboard.press("ArrowRight");
  await expect(page.getByRole("button", { name: "EWW", exact: true })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect.poll(() => telegraph.read(telegraph.acceptFile)).toBe("9\n");
  await expect(page.getByTestId("acknowledged")).toHaveText("acknowledged");
});

test("panels reconnect by themselves after the server is killed and started again", async ({ openPanel, telegraph }) => {
  const ann = await openPanel();
  const bob = await openPanel();
  await telegraph.order("siwoti");
  for (const page of [ann, bob]) await expectOrder(page, 10, "SIWOTI");

  await telegraph.server.stop("SIGKILL");
  for (const page of [ann, bob]) await expect(page.getByTestId("connection")).toHaveText("reconnecting…");
  await telegraph.order("battle stations"); // while the server is down
  await telegraph.startServer();
  for (const page of [ann, bob]) {
    await expect(page.getByTestId("connection")).toHaveText("connected");
    await expectOrder(page, 11, "BATTLE STATIONS");
    await expect(page.getByTestId("bell")).toHaveAttribute("data-rings", "2");
  }
});

test("a clean shutdown tells the panels the server is restarting", async ({ openPanel, telegraph }) => {
  const page = await openPanel();
  expect(await telegraph.server.stop("SIGTERM")).toBe(0);
  await expect(page.getByTestId("connection")).toHaveText("server restarting");
  await telegraph.startServer();
  await expect(page.getByTestId("connection")).toHaveText("connected");
});

test("fits a phone: the dial and the controls stay inside 360 px", async ({ openPanel, telegraph }) => {
  const page = await openPanel({ context: { viewport: { width: 360, height: 740 }, hasTouch: true, isMobile: true } });
  await telegraph.order("coffee");
  await expect(page.getByTestId("order-indicator")).toHaveAttribute("data-position", "7");
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  for (const label of ["FULL", "BATTLE STATIONS"]) {
    const box = await page.getByRole("button", { name: label, exact: true }).boundingBox();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(360);
  }
  const send = page.getByRole("button", { name: "Send order" });
  await send.scrollIntoViewIfNeeded();
  await expect(send).toBeInViewport();
});

test("sound stays blocked until a person enables it, and can be muted", async ({ openPanel }) => {
  const page = await openPanel();
  const sound = page.getByTestId("sound");
  await expect(sound).toHaveAttribute("data-state", "blocked");
  await page.getByRole("button", { name: "Enable sound" }).click();
  await expect(sound).toHaveAttribute("data-state", "armed");
  await page.getByRole("button", { name: "Mute bell" }).click();
  await expect(sound).toHaveAttribute("data-state", "muted");
  await page.reload();
  await expect(page.getByTestId("sound")).toHaveAttribute("data-state", "muted");
});

test("a panel that was away rings once for the order it missed and lists the ones that came and went", async ({ openPanel, telegraph }) => {
  const page = await openPanel({ name: "Ann" });
  await telegraph.order("siwoti");
  await expectOrder(page, 10, "SIWOTI");
  await expect(page.getByTestId("bell")).toHaveAttribute("data-rings", "1");

  await page.goto("about:blank"); // the laptop sleeps; the same tab wakes up later
  await telegraph.order("coffee");
  await expect.poll(async () => (await (await fetch(`${telegraph.url}/api/state`)).json()).order.position).toBe(7);
  await telegraph.order("lunch");
  await page.goto(telegraph.url);
  await expectOrder(page, 8, "LUNCH");
  await expect(page.getByTestId("bell")).toHaveAttribute("data-rings", "1"); // a fresh page counts from 0: it rang once
  await expect(page.getByTestId("missed")).toContainText("COFFEE");
  await expect(page.getByTestId("missed")).not.toContainText("LUNCH");

  await page.reload(); // seen already: no ring, nothing missed
  await expectOrder(page, 8, "LUNCH");
  await expect(page.getByTestId("bell")).toHaveAttribute("data-rings", "0");
  await expect(page.getByTestId("missed")).toHaveCount(0);
});
