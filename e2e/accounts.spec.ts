// People signing in: the first admin's one-time link from the server's log, invitations from the
// admin page, the welcome page that sets a password, /signin, and signing out from afar.
import { type Panel, type Telegraph, expect, test } from "./fixtures";

const PASSWORD = "correct horse battery staple";

// The server's own default once people can sign in (the fixture makes it bridge for older tests).
test.use({ serverFlags: ["--anonymous", "crew"] });
// Each test signs two or three people in, each in a browser of their own: more than the usual minute on a busy machine.
test.describe.configure({ timeout: 120_000 });

/** The first start's one-time link for the admin, as the server logs it (readable or as JSON). */
async function adminLink(telegraph: Telegraph): Promise<string> {
  const line = await telegraph.server.waitFor(/Sign in as admin with this one-time link \(valid 24 hours\): http:\/\/\S+\/welcome#signin_/, {
    seen: true,
  });
  const link = /http:\/\/[^\s"]+\/welcome#signin_[\w-]+/.exec(line)?.[0];
  expect(link, line).toMatch(new RegExp(`^${telegraph.url.replaceAll(".", "\\.")}/welcome#signin_`));
  return link!;
}

/** Opens a one-time link in `page`, chooses the password, and lands on the panel signed in. */
async function welcome(page: Panel, link: string, name: string, role: string): Promise<Panel> {
  await page.goto(link);
  await expect(page.getByTestId("welcome-name")).toHaveText(`Welcome, ${name}. You will join as ${role}. Choose a password.`);
  // The code is out of the address bar (and so out of the history) once read.
  expect(page.url()).toBe(`${new URL(link).origin}/welcome`);
  await page.getByLabel("New password").fill(PASSWORD);
  await page.getByLabel("Repeat the password").fill(PASSWORD);
  await page.getByRole("button", { name: "Set password and sign in" }).click();
  await expect(page.getByTestId("account")).toContainText(`Signed in as ${name} (${role})`);
  await expect(page.getByTestId("connection")).toHaveText("connected");
  // Signed in, orders and answers carry the account's name: there is no name to type.
  await expect(page.getByLabel("Your name")).toHaveCount(0);
  return page;
}

/** The first admin, signed in through the logged link, on the admin page. */
async function signInAdmin(telegraph: Telegraph, page: Panel): Promise<Panel> {
  await welcome(page, await adminLink(telegraph), "admin", "admin");
  await page.getByTestId("admin-link").click();
  await expect(page.getByTestId("people")).toContainText("admin");
  return page;
}

/** Invites someone from the admin page; returns their one-time link. */
async function invite(admin: Panel, name: string, role: string): Promise<string> {
  const form = admin.getByRole("region", { name: "Invite someone" });
  await form.getByLabel("Name").fill(name);
  await form.getByLabel("Role").selectOption(role);
  await form.getByRole("button", { name: "Invite" }).click();
  await expect(admin.getByTestId("admin-status")).toHaveText(`${name} is invited as ${role}: give them the sign-in link below.`);
  await expect(person(admin, name)).toContainText("not yet");
  const link = await admin.getByTestId("invite-link").inputValue();
  expect(link).toMatch(/\/welcome#signin_[\w-]+$/);
  return link;
}

/** A person's row in the admin page's people table. */
const person = (admin: Panel, name: string) => admin.getByTestId("people").locator(`tbody tr[data-name="${name}"]`);

/** The audit log's rows, as the admin page shows them: time, who, address, action, detail. */
async function auditRows(admin: Panel): Promise<{ who: string; action: string; detail: string }[]> {
  const rows = await admin.getByTestId("audit").locator("tbody tr").all();
  return Promise.all(
    rows.map(async (row) => {
      const [, who, , action, detail] = await row.locator("td").allTextContents();
      return { who, action, detail };
    }),
  );
}

/** Console errors besides the browser's own note of each 4xx the test provoked on purpose. */
const unexpected = (page: Panel) => page.errors.filter((e) => !/Failed to load resource: the server responded with a status of 4\d\d/.test(e));

test("the first admin signs in with the logged link and invites Bob, who signs in and gives an order", async ({ newPage, telegraph }) => {
  const admin = await signInAdmin(telegraph, await newPage());
  const link = await invite(admin, "Bob", "bridge");
  await admin.getByRole("button", { name: "Copy" }).click();
  await expect(admin.getByTestId("admin-status")).toHaveText("Copied the link.");

  const bob = await welcome(await newPage(), link, "Bob", "bridge");
  await expect(bob.getByTestId("admin-link")).toHaveCount(0);
  await bob.getByLabel("Order to send").selectOption({ label: "COFFEE" });
  await bob.getByRole("button", { name: "Send order" }).click();
  await expect.poll(() => telegraph.read(telegraph.statusFile)).toBe("7\n");
  await expect(bob.getByTestId("order")).toContainText("COFFEE — sent by Bob from a panel");
  await expect(bob.getByTestId("listening")).toContainText("Bob");

  // The link is used up: opened again, it says so and where to get another.
  const again = await newPage();
  await again.goto(link);
  await expect(again.getByTestId("welcome-error")).toContainText(/admin/i);
  await expect(again.getByTestId("welcome-name")).toHaveCount(0);

  // The admin's audit view, refreshed, has it all, newest first: the invitation, Bob's sign-in, his order.
  await admin.getByRole("button", { name: "Refresh" }).click();
  await expect(admin.getByTestId("audit")).toContainText("order");
  const entries = await auditRows(admin);
  const invited = entries.findIndex((e) => e.who === "admin" && e.action === "user" && e.detail.includes("Bob"));
  const signedIn = entries.findIndex((e) => e.who === "Bob" && e.action === "sign-in");
  const ordered = entries.findIndex((e) => e.who === "Bob" && e.action === "order");
  expect(
    [ordered, signedIn, invited].every((i) => i >= 0),
    JSON.stringify(entries, null, 1),
  ).toBe(true);
  expect(ordered).toBeLessThan(signedIn);
  expect(signedIn).toBeLessThan(invited);
  await expect(admin.getByRole("link", { name: "Download the whole log (JSON)" })).toHaveAttribute("href", "/api/audit?download=1");
  await expect(person(admin, "Bob")).toContainText("set");

  for (const page of [admin, bob]) expect(page.errors).toEqual([]);
  expect(unexpected(again)).toEqual([]);
});

test("/signin refuses a wrong password, saying so, and signs in with the right one", async ({ newPage, telegraph }) => {
  await welcome(await newPage(), await adminLink(telegraph), "admin", "admin");

  const page = await newPage();
  await page.goto(telegraph.url);
  await page.getByTestId("sign-in-link").click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await page.getByLabel("Name", { exact: true }).fill("admin");
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("signin-error")).toHaveText(/^Wrong name or password/);
  await expect(page).toHaveURL(/\/signin$/);

  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("account")).toContainText("Signed in as admin (admin)");
  await expect(page.getByTestId("admin-link")).toBeVisible();
  expect(unexpected(page)).toEqual([]);

  // And out again: this browser only.
  await page.getByTestId("sign-out").click();
  await expect(page.getByTestId("sign-in-link")).toBeVisible();
  await expect(page.getByTestId("session-ended")).toHaveCount(0);
});

test("an admin signs Bob out everywhere: his open panel turns anonymous at once, without a reload", async ({ newPage, telegraph }) => {
  const admin = await signInAdmin(telegraph, await newPage());
  const bob = await welcome(await newPage(), await invite(admin, "Bob", "bridge"), "Bob", "bridge");
  await expect(bob.getByLabel("Order to send")).toBeEnabled();
  await expect(bob.getByTestId("session-ended")).toHaveCount(0);
  await bob.evaluate(() => ((window as unknown as { sameLoad: boolean }).sameLoad = true));

  await admin.getByRole("button", { name: "Refresh" }).click(); // the people table too, now with Bob's session
  await expect(person(admin, "Bob")).toContainText("1 browser");
  await person(admin, "Bob").getByRole("button", { name: "Sign out everywhere" }).click();
  await expect(admin.getByTestId("admin-status")).toHaveText("Bob is signed out everywhere.");
  await expect(person(admin, "Bob")).toContainText("0 browsers");

  await expect(bob.getByTestId("session-ended")).toHaveText("Your session ended; you are anonymous now. Sign in again.");
  await expect(bob.getByTestId("sign-in-link")).toBeVisible();
  // Anonymous is crew: the dial still answers, orders are for the bridge.
  await expect(bob.getByTestId("account")).toContainText("Not signed in (crew)");
  await expect(bob.getByLabel("Order to send")).toBeDisabled();
  await expect(bob.getByTestId("order-help")).toHaveText("Sending orders needs the bridge role.");
  await expect(bob.getByLabel("Your name")).toBeVisible();
  expect(await bob.evaluate(() => (window as unknown as { sameLoad?: boolean }).sameLoad)).toBe(true);
  for (const page of [admin, bob]) expect(page.errors).toEqual([]);
});

test("a crew member opening /admin is told it is for admins", async ({ newPage, telegraph }) => {
  const admin = await signInAdmin(telegraph, await newPage());
  const link = await invite(admin, "Cy", "crew");
  // A password the server would refuse is caught on the page, and the link stays unused.
  const first = await newPage();
  await first.goto(link);
  await first.getByLabel("New password").fill("short");
  await first.getByLabel("Repeat the password").fill("short");
  await first.getByRole("button", { name: "Set password and sign in" }).click();
  await expect(first.getByTestId("welcome-error")).toHaveText("A password needs at least 8 characters.");
  await first.getByLabel("New password").fill(PASSWORD);
  await first.getByRole("button", { name: "Set password and sign in" }).click();
  await expect(first.getByTestId("welcome-error")).toHaveText("The two passwords differ: type the same one twice.");
  const cy = await welcome(await newPage(), link, "Cy", "crew");
  await expect(cy.getByTestId("admin-link")).toHaveCount(0);

  await cy.goto(`${telegraph.url}/admin`);
  await expect(cy.getByTestId("admin-refused")).toContainText("The admin page is for admins; sign in as one.");
  await expect(cy.getByTestId("admin-refused")).toContainText("You are signed in as Cy (crew).");
  await expect(cy.getByTestId("admin-refused").getByRole("link", { name: "sign in" })).toHaveAttribute("href", "/signin");
  await expect(cy.getByTestId("people")).toHaveCount(0);
  expect(cy.errors).toEqual([]);
});

test("a mistyped sign-in link says it does not work and to ask an admin", async ({ newPage, telegraph }) => {
  const page = await newPage();
  await page.goto(`${telegraph.url}/welcome#signin_mistyped`);
  await expect(page.getByTestId("welcome-error")).toContainText(/admin/i);
  await expect(page.getByTestId("welcome-name")).toHaveCount(0);
  expect(page.url()).toBe(`${telegraph.url}/welcome`);
  expect(unexpected(page)).toEqual([]);
});

test.describe("with two telegraphs", () => {
  test.use({ serverFlags: ["--anonymous", "crew", "--config", "e2e/two-telegraphs.json"] });

  test("on a phone, the admin makes Ann bridge on the workshop alone (her open panel there offers orders at once), then none (cut off)", async ({
    newPage,
    telegraph,
  }) => {
    const admin = await signInAdmin(telegraph, await newPage({ context: { viewport: { width: 360, height: 740 } } }));
    const ann = await welcome(await newPage(), await invite(admin, "Ann", "crew"), "Ann", "crew");
    await ann.goto(`${telegraph.url}/t/workshop`);
    await expect(ann.getByTestId("connection")).toHaveText("connected");
    await expect(ann.getByLabel("Order to send")).toBeDisabled();

    const onWorkshop = person(admin, "Ann").getByLabel("Role of Ann on Workshop");
    await expect(onWorkshop).toHaveValue(""); // her own
    await onWorkshop.scrollIntoViewIfNeeded(); // the table scrolls sideways on a phone
    await expect(onWorkshop).toBeInViewport();
    await onWorkshop.selectOption("bridge");
    await expect(admin.getByTestId("admin-status")).toHaveText("Ann is now bridge on Workshop.");
    await expect(person(admin, "Ann").getByLabel("Role of Ann on Telegraph")).toHaveValue("");
    await expect(ann.getByLabel("Order to send")).toBeEnabled();
    await expect(ann.getByTestId("account")).toContainText("Signed in as Ann (bridge)");

    // The default telegraph's panel: crew there, as before.
    const lab = await newPage({ context: { storageState: await ann.context().storageState() } });
    await lab.goto(telegraph.url);
    await expect(lab.getByTestId("connection")).toHaveText("connected");
    await expect(lab.getByLabel("Order to send")).toBeDisabled();

    await onWorkshop.selectOption("");
    await expect(admin.getByTestId("admin-status")).toHaveText("Ann has their own role (crew) on Workshop again.");
    await expect(ann.getByLabel("Order to send")).toBeDisabled();
    await expect
      .poll(async () => (await auditRows(admin)).slice(0, 2).map((row) => row.detail))
      .toEqual(["Ann has their own role on workshop again", "Ann is now bridge on workshop"]);

    // None: her open workshop panel is cut off, and its page is no more to her than an unknown one's.
    await onWorkshop.selectOption("none");
    await expect(admin.getByTestId("admin-status")).toHaveText("Ann is now none on Workshop.");
    // It says why, in the server's words, and does not pretend to be reconnecting.
    await expect(ann.getByTestId("connection")).toHaveText("not admitted: seeing the panel needs the viewer role");
    await expect(ann.getByTestId("answer-help")).toHaveText("Not admitted: the panel shows the telegraph as it was when the server let it go.");
    await expect(lab.getByTestId("connection")).toHaveText("connected");
    for (const page of [admin, ann, lab]) expect(page.errors).toEqual([]);
    // Its page is no more to her than an unknown one's: the 404 page, in the pages' own frame.
    const notFound: string[] = [];
    ann.on("response", (response) => void (response.status() === 404 && notFound.push(new URL(response.url()).pathname)));
    expect((await ann.goto(`${telegraph.url}/t/workshop`))!.status()).toBe(404);
    await expect(ann.getByTestId("not-found")).toBeVisible();
    // The browser's own line for each 404, and nothing else (no style the CSP refuses: app/not-found.tsx). Each is
    // the workshop's: the page, or what the panel she left asked of it as it went (her role there is none).
    const line = "Failed to load resource: the server responded with a status of 404 (Not Found)";
    expect(ann.errors).toEqual(notFound.map(() => line));
    expect(notFound, "what was not found").toContain("/t/workshop");
    for (const path of notFound) expect(path).toMatch(/^\/(t|api\/telegraphs)\/workshop(\/|$)/);
  });
});
