// What a panel may do follows the role the server gives it: without a token, --anonymous's.
import { expect, test } from "./fixtures";

test.describe("a viewer", () => {
  test.use({ serverFlags: ["--anonymous", "viewer"] });

  test("sees and hears the order, but the dial and the order controls are disabled, saying why", async ({ openPanel, telegraph }) => {
    const page = await openPanel();
    await telegraph.order("coffee");
    await expect(page.getByTestId("order-indicator")).toHaveAttribute("data-position", "7");
    await expect(page.getByTestId("bell")).toHaveAttribute("data-rings", "1");
    await expect(page.getByRole("button", { name: "COFFEE", exact: true })).toBeDisabled();
    await expect(page.getByTestId("answer-help")).toHaveText("Watching only: answering needs the crew role.");
    await expect(page.getByLabel("Order to send")).toBeDisabled();
    await expect(page.getByRole("button", { name: "Send order" })).toBeDisabled();
    await expect(page.getByTestId("order-help")).toHaveText("Sending orders needs the bridge role.");
    expect(await telegraph.read(telegraph.acceptFile)).toBe("");
    expect(page.errors).toEqual([]);
  });
});

test.describe("crew", () => {
  test.use({ serverFlags: ["--anonymous", "crew"] });

  test("answers on the dial, but may not send orders", async ({ openPanel, telegraph }) => {
    const page = await openPanel({ name: "Ann" });
    await telegraph.order("lunch");
    await expect(page.getByTestId("order-indicator")).toHaveAttribute("data-position", "8");
    await page.getByRole("button", { name: "LUNCH", exact: true }).click();
    await expect.poll(() => telegraph.read(telegraph.acceptFile)).toBe("8\n");
    await expect(page.getByLabel("Order to send")).toBeDisabled();
    await expect(page.getByTestId("order-help")).toHaveText("Sending orders needs the bridge role.");
  });
});
