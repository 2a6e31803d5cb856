// Orders faster than people can follow: every panel ends on the last one, and the bell strikes
// once for the burst instead of machine-gunning.
import { writeFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { expect, test } from "./fixtures";

test("a burst of orders: panels end on the last, the bell strikes once, a muted bell not at all", async ({ openPanel, telegraph }) => {
  const armed = await openPanel({ name: "Ann", sound: "armed", clock: true });
  const muted = await openPanel({ name: "Bob", sound: "muted", clock: true });

  // 19 orders cycling through FULL … SIWOTI, 2 to 20 ms apart, straight into the status file the
  // way a host writes it; then BATTLE STATIONS, which nothing before it in the burst was.
  for (let i = 0; i < 19; i++) {
    await writeFile(telegraph.statusFile, `${(i % 10) + 1}\n`);
    await sleep(2 + ((i * 7) % 19));
  }
  await writeFile(telegraph.statusFile, "11\n");

  for (const page of [armed, muted]) {
    await expect(page.getByTestId("order-indicator")).toHaveAttribute("data-position", "11");
    await expect(page.getByTestId("order")).toContainText("BATTLE STATIONS");
  }
  // Not an exact count: the server takes the orders it reads (a change within 50 ms of the last may
  // go unseen), and React renders snapshots that arrive together once, ringing once. But the burst
  // lasts over 200 ms, so its first and last orders ring apart.
  for (const page of [armed, muted]) expect(Number(await page.getByTestId("bell").getAttribute("data-rings"))).toBeGreaterThan(1);
  await expect(armed.getByTestId("bell")).toHaveAttribute("data-strikes", "1");
  await expect(muted.getByTestId("bell")).toHaveAttribute("data-strikes", "0");

  // Once the quiet spell (2 s) is over, the next order strikes again: it was the burst that rang once.
  // The pages' clocks skip it.
  for (const page of [armed, muted]) await page.clock.fastForward(2_500);
  await telegraph.order("stop");
  for (const page of [armed, muted]) await expect(page.getByTestId("order-indicator")).toHaveAttribute("data-position", "6");
  await expect(armed.getByTestId("bell")).toHaveAttribute("data-strikes", "2");
  await expect(muted.getByTestId("bell")).toHaveAttribute("data-strikes", "0");
  expect([...armed.errors, ...muted.errors]).toEqual([]);
});
