// Two telegraphs side by side from one config file (issue 16): the flags' telegraph at / with the
// simulated telegraph's files, and a soft "workshop" at /t/workshop; two panels on each, in their own
// browser contexts. Each telegraph's orders, answers and listeners reach its own panels only.
import { expect, loadPanel, test } from "./fixtures";

test.describe("with the flags' telegraph the default", () => {
  test.use({ serverFlags: ["--config", "e2e/two-telegraphs.json"] });

  test("two telegraphs, two panels each: no order, answer or listener of one shows on the other", async ({ telegraph, newPage }) => {
    const open = async (where: string, name: string) => loadPanel(await newPage(), `${telegraph.url}${where}`, { name });
    const lab = [await open("/", "Ann"), await open("/", "Bob")];
    const shop = [await open("/t/workshop", "Wes"), await open("/t/workshop", "Will")];
    for (const page of lab) await expect(page.getByTestId("telegraph-title")).toHaveText("· Telegraph");
    for (const page of shop) await expect(page.getByTestId("telegraph-title")).toHaveText("· Workshop");
    for (const page of shop) await expect(page.getByTestId("telegraph")).toHaveText("telegraph: panels only");
    for (const page of lab) await expect(page.getByTestId("listening")).toContainText(/Ann.*Bob|Bob.*Ann/);
    for (const page of shop) await expect(page.getByTestId("listening")).toContainText(/Wes.*Will|Will.*Wes/);

    // The lab's order from its telegraph, the workshop's from a panel; an answer on each.
    await telegraph.order("coffee");
    for (const page of lab) await expect(page.getByTestId("order")).toContainText("COFFEE");
    await shop[0].getByLabel("Order to send").selectOption({ label: "LUNCH" });
    await shop[0].getByRole("button", { name: "Send order" }).click();
    for (const page of shop) await expect(page.getByTestId("order")).toContainText("LUNCH");
    await shop[1].getByRole("button", { name: "LUNCH", exact: true }).click();
    await lab[1].getByRole("button", { name: "COFFEE", exact: true }).click();
    for (const page of shop) await expect(page.getByTestId("answer")).toContainText("answered by Will");
    for (const page of lab) await expect(page.getByTestId("answer")).toContainText("answered by Bob");
    await expect.poll(() => telegraph.read(telegraph.acceptFile)).toBe("7\n");

    // Nothing of the other: its order, its answerer, its listeners, its bell.
    for (const page of lab) {
      await expect(page.getByTestId("order")).not.toContainText("LUNCH");
      await expect(page.getByTestId("listening")).not.toContainText(/Wes|Will/);
      await expect(page.getByTestId("bell")).toHaveAttribute("data-rings", "1");
    }
    for (const page of shop) {
      await expect(page.getByTestId("order")).not.toContainText("COFFEE");
      await expect(page.getByTestId("answer")).not.toContainText("Bob");
      await expect(page.getByTestId("listening")).not.toContainText(/Ann|Bob/);
    }
    expect(await telegraph.read(telegraph.statusFile)).toBe("7\n"); // the workshop's LUNCH never reached the lab's telegraph

    // Their histories, each under its own title: its own order and answer alone.
    const history = await newPage();
    for (const [where, title, mine, theirs, by] of [
      ["/t/workshop/history", "History: Workshop", "LUNCH", "COFFEE", "Will"],
      ["/history", "History: Telegraph", "COFFEE", "LUNCH", "Bob"],
    ]) {
      await history.goto(`${telegraph.url}${where}`);
      await expect(history.getByRole("heading", { level: 1 })).toHaveText(title);
      await expect(history.getByTestId("history-order")).toHaveCount(1);
      await expect(history.getByTestId("history-order")).toContainText(mine);
      await expect(history.getByTestId("history-order")).toContainText(by);
      await expect(history.getByTestId("history-order")).not.toContainText(theirs);
    }
    expect([...lab, ...shop].flatMap((page) => page.errors)).toEqual([]);
  });

  test("an unknown telegraph is a 404 page, and the panel's own are listed by the API", async ({ telegraph, newPage }) => {
    const page = await newPage();
    expect((await page.goto(`${telegraph.url}/t/nope`))!.status()).toBe(404);
    expect((await page.goto(`${telegraph.url}/t/NOT-A-SLUG`))!.status()).toBe(404);
    const listed = await (await page.request.get(`${telegraph.url}/api/telegraphs`)).json();
    expect(listed).toEqual({
      telegraphs: [
        { slug: "default", title: "Telegraph" },
        { slug: "workshop", title: "Workshop" },
      ],
      default: "default",
    });
  });
});

test.describe("with no default", () => {
  test.use({ serverFlags: ["--config", "e2e/no-default.json"] });

  test("/ lists the telegraphs, each a link to its panel", async ({ telegraph, newPage }) => {
    const page = await newPage();
    await page.goto(telegraph.url);
    await expect(page.getByTestId("telegraphs").getByRole("link")).toHaveText(["Lab", "Workshop"]);
    await page.getByRole("link", { name: "Workshop" }).click();
    await expect(page).toHaveURL(`${telegraph.url}/t/workshop`);
    await expect(page.getByTestId("connection")).toHaveText("connected");
    await expect(page.getByTestId("telegraph-title")).toHaveText("· Workshop");
    expect(page.errors).toEqual([]);
  });
});
