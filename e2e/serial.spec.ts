// The telegraph over a serial line in a real browser: the simulator plays the Teensy on a socat
// pty that the server opens as its device. Orders come up the line, answers go down it, and
// panels show when the telegraph is unplugged and when it is back.
import { readFileSync } from "node:fs";
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";

test.use({ link: "serial" });

/** What the simulator says in its HELLO. */
const SIM = `chadburn-sim ${JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version}`;

async function expectConnected(page: Page) {
  const telegraph = page.getByTestId("telegraph");
  await expect(telegraph).toHaveAttribute("data-state", "connected");
  await expect(telegraph).toHaveText(`telegraph connected (${SIM})`);
}

test("an order up the line reaches two panels; an answer on one goes down the line", async ({ openPanel, telegraph }) => {
  const ann = await openPanel({ name: "Ann" });
  const bob = await openPanel({ name: "Bob" });
  for (const page of [ann, bob]) await expectConnected(page);

  await telegraph.order("coffee");
  for (const page of [ann, bob]) {
    await expect(page.getByTestId("order-indicator")).toHaveAttribute("data-position", "7");
    await expect(page.getByTestId("order")).toContainText("COFFEE");
  }

  await bob.getByRole("button", { name: "COFFEE", exact: true }).click();
  await telegraph.sim.waitFor(/^answer 7 COFFEE$/, { seen: true }); // it heard ANSWER 7
  for (const page of [ann, bob]) await expect(page.getByTestId("acknowledged")).toHaveText("acknowledged");
  expect([...ann.errors, ...bob.errors]).toEqual([]);
});

test("unplugged, every panel shows the telegraph gone within 5 s; plugged back, it is connected again", async ({ openPanel, telegraph }) => {
  const ann = await openPanel();
  const bob = await openPanel();
  for (const page of [ann, bob]) await expectConnected(page);
  const server = telegraph.server.child.pid;

  await telegraph.command("unplug", /^sim: unplugged$/);
  const unplugged = Date.now();
  for (const page of [ann, bob]) {
    const shown = page.getByTestId("telegraph");
    await expect(shown).toHaveAttribute("data-state", "offline", { timeout: 5000 - (Date.now() - unplugged) });
    await expect(shown).toHaveText(/^telegraph disconnected since \d\d:\d\d$/);
  }

  await telegraph.command("plug", /^sim: serial device /);
  for (const page of [ann, bob]) await expectConnected(page);
  await telegraph.order("lunch");
  for (const page of [ann, bob]) await expect(page.getByTestId("order-indicator")).toHaveAttribute("data-position", "8");
  // The same server all along: the link came back by itself.
  expect(telegraph.server.child.pid).toBe(server);
  expect(telegraph.server.child.exitCode).toBeNull();
});
