// What people type is shown as text on every panel, never as markup.
import { expect, test } from "./fixtures";

test("a name that is HTML shows as text on the other panels and runs nothing", async ({ openPanel }) => {
  const name = "<img src=x onerror=window.pwned=1>";
  const mallory = await openPanel({ name });
  const ann = await openPanel({ name: "Ann" });
  await mallory.getByLabel("Order to send").selectOption({ label: "COFFEE" });
  await mallory.getByRole("button", { name: "Send order" }).click();
  await expect(ann.getByTestId("order")).toContainText(`COFFEE — sent by ${name} from a panel`);
  await expect(ann.getByTestId("listening")).toContainText(name);
  for (const page of [ann, mallory]) {
    expect(await page.locator("main img").count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
  }
});
