// The bridge sees who actually got an order: who is listening, and per order how it reached
// each panel (delivered, rang, muted, sound blocked) and who answered, on every panel.
import { expect, test } from "./fixtures";

test("every panel shows who is listening, how the order reached them, and who answered", async ({ openPanel, telegraph }) => {
  const ann = await openPanel({ name: "Ann", sound: "armed" });
  const bob = await openPanel({ name: "Bob", sound: "muted" });
  const someone = await openPanel(); // no name, and no click: the browser keeps its sound blocked
  const panels = [ann, bob, someone];
  for (const page of panels) await expect(page.getByTestId("listening")).toHaveText("Ann, Bob and 1 unnamed panel");

  await telegraph.order("coffee");
  for (const page of panels) {
    await expect(page.getByTestId("receipts")).toHaveText("COFFEE: delivered to 3, rang on 1, muted on 1, sound blocked on 1, not answered yet");
  }

  await ann.getByRole("button", { name: "COFFEE", exact: true }).click();
  for (const page of panels) {
    await expect(page.getByTestId("receipts")).toHaveText(
      /^COFFEE: delivered to 3, rang on 1, muted on 1, sound blocked on 1, answered by Ann in \d+ s$/,
    );
  }

  await bob.context().close();
  for (const page of [ann, someone]) {
    await expect(page.getByTestId("listening")).toHaveText("Ann and 1 unnamed panel");
    await expect(page.getByTestId("gone")).toHaveText(/^Gone: Bob \(last seen \d\d:\d\d\)$/);
  }
  for (const page of [ann, someone]) expect(page.errors).toEqual([]);
});

test("a panel that reloads is still counted once, and keeps what its bell did", async ({ openPanel, telegraph }) => {
  const ann = await openPanel({ name: "Ann", sound: "armed" });
  await telegraph.order("lunch");
  await expect(ann.getByTestId("receipts")).toHaveText("LUNCH: delivered to 1, rang on 1, not answered yet");
  await ann.reload();
  await expect(ann.getByTestId("listening")).toHaveText("Ann");
  await expect(ann.getByTestId("receipts")).toHaveText("LUNCH: delivered to 1, rang on 1, not answered yet");
});
