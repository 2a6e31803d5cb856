// Orders that insist, in the browser: a repeating order rings until answered, an expiring one
// leaves the panel, one that needs two answers counts them. The face (e2e/insist-face.json)
// makes the times short.
import path from "node:path";
import { expect, test } from "./fixtures";

test.use({ face: path.join(import.meta.dirname, "insist-face.json") });

test("BATTLE STATIONS rings again every 2 s until someone answers", async ({ openPanel, telegraph }) => {
  const page = await openPanel({ sound: "armed", clock: true });
  await expect(page.getByRole("button", { name: "BATTLE STATIONS", exact: true }).getByTestId("insisting")).toHaveText("↻");
  await telegraph.order("battle-stations");
  await expect(page.getByTestId("acknowledged")).toHaveText("waiting for an answer; rings every 2 s until answered");
  await expect(page.getByTestId("bell")).toHaveAttribute("data-rings", "1");
  await expect(page.getByTestId("bell")).toHaveAttribute("data-rings", "2", { timeout: 5000 });
  await expect(page.getByTestId("bell")).toHaveAttribute("data-rings", "3", { timeout: 5000 });
  await page.getByRole("button", { name: "BATTLE STATIONS", exact: true }).click();
  await expect(page.getByTestId("acknowledged")).toHaveText("acknowledged");
  const rings = Number(await page.getByTestId("bell").getAttribute("data-rings"));
  // Answered, it stays quiet: two repeat periods go by on the page's clock, then a new order,
  // which rings once. A ring of the old order would have come before it. The marker's own ring
  // is known to be counted once the server has its receipt ("rang on 1", sent after the ring).
  await page.clock.runFor(4500);
  await telegraph.order("stop");
  await expect(page.getByTestId("receipts")).toContainText("STOP: delivered to 1, rang on 1");
  await expect(page.getByTestId("bell")).toHaveAttribute("data-rings", String(rings + 1));
});

test("an expired COFFEE disappears from every panel, and a panel opened later never shows it", async ({ openPanel, telegraph }) => {
  const page = await openPanel();
  await telegraph.order("coffee");
  await expect(page.getByTestId("order-indicator")).toHaveAttribute("data-position", "1");
  await expect(page.getByTestId("acknowledged")).toContainText("clears at");
  await expect(page.getByTestId("acknowledged")).toHaveText(/^COFFEE expired at \d\d:\d\d$/, { timeout: 6000 });
  await expect(page.getByTestId("order")).toHaveText("no order yet");
  await expect(page.getByTestId("order-indicator")).toHaveAttribute("data-position", "");
  const late = await openPanel();
  await expect(late.getByTestId("order")).toHaveText("no order yet");
});

test('an order that needs two answers shows "1 of 2 answered", then acknowledged', async ({ openPanel, telegraph }) => {
  const ann = await openPanel({ name: "Ann" });
  const bob = await openPanel({ name: "Bob" });
  await telegraph.order("meeting");
  await expect(ann.getByTestId("acknowledged")).toHaveText("waiting for answers: 0 of 2 answered");
  await ann.getByRole("button", { name: "MEETING", exact: true }).click();
  await expect(bob.getByTestId("acknowledged")).toHaveText("waiting for answers: 1 of 2 answered");
  await expect(bob.getByTestId("receipts")).toContainText("1 of 2 answered");
  await bob.getByRole("button", { name: "MEETING", exact: true }).click();
  await expect(ann.getByTestId("acknowledged")).toHaveText("acknowledged (2 of 2 answered)");
});
