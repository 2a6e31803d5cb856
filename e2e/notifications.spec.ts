// Notifications: a panel in a background tab notifies of a new order, as its person chose for
// each position; the bell keeps quiet for positions chosen not to ring; the title and favicon
// flag an unanswered order; a panel on plain HTTP says why it cannot notify.
import { networkInterfaces } from "node:os";
import type { BrowserContext, Page } from "@playwright/test";
import { type Panel, type Telegraph, expect, loadPanel, test as plain } from "./fixtures";
import { test } from "./tabs";

/** What the page asked and showed: notifications (as the page made them), permission requests, vibrations. */
interface Seen {
  notifications: { via: "page" | "worker"; title: string; body?: string; tag?: string; silent?: boolean | null; events: string[] }[];
  requests: number;
  vibrations: unknown[];
}

/** In the page before its own scripts: the real APIs still do their work, and are watched. */
function recordNotifications() {
  const record: Seen = { notifications: [], requests: 0, vibrations: [] };
  Object.assign(window, { record });
  const Real = window.Notification;
  if (Real) {
    class Watched extends Real {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        const seen = { via: "page" as const, title, body: options?.body, tag: options?.tag, silent: options?.silent, events: [] as string[] };
        record.notifications.push(seen);
        for (const event of ["show", "close", "error"]) this.addEventListener(event, () => seen.events.push(event));
      }
    }
    const ask = Real.requestPermission.bind(Real);
    Object.defineProperty(Watched, "requestPermission", { value: (...args: Parameters<typeof ask>) => (record.requests++, ask(...args)) });
    window.Notification = Watched;
  }
  if (typeof ServiceWorkerRegistration !== "undefined") {
    const show = ServiceWorkerRegistration.prototype.showNotification;
    ServiceWorkerRegistration.prototype.showNotification = function (title, options) {
      const seen = { via: "worker" as const, title, body: options?.body, tag: options?.tag, silent: options?.silent, events: [] as string[] };
      record.notifications.push(seen);
      const shown = show.call(this, title, options);
      shown.then(
        () => seen.events.push("show"),
        () => seen.events.push("error"),
      );
      return shown;
    };
  }
  const vibrate = navigator.vibrate?.bind(navigator);
  if (vibrate) navigator.vibrate = ((pattern: VibratePattern) => (record.vibrations.push(pattern), vibrate(pattern))) as typeof navigator.vibrate;
}

const recorded = (page: Page) => page.evaluate(() => (window as unknown as { record: Seen }).record);

/**
 * The notifications of ours on screen now: made by the page and not closed, or listed by the service
 * worker. Read it only when none is on its way to the screen: Chromium's getNotifications() deletes,
 * for good, a stored notification the platform does not list as displayed yet
 * (platform_notification_context_impl.cc), so a read while one is being shown can lose it.
 */
const onScreen = (page: Page) =>
  page.evaluate(async () => {
    const { record } = window as unknown as { record: Seen };
    const fromPage = record.notifications.filter((n) => n.via === "page" && n.events.includes("show") && !n.events.includes("close"));
    const registration = await navigator.serviceWorker?.getRegistration();
    const fromWorker = (await registration?.getNotifications()) ?? [];
    return [...fromPage, ...fromWorker].map(({ title, body, tag, silent }) => ({ title, body, tag, silent }));
  });

/** How many notifications the page has shown (and none still on its way), as it recorded them. */
const shownSoFar = (page: Page) =>
  page.evaluate(() => {
    const { notifications } = (window as unknown as { record: Seen }).record;
    return notifications.every((n) => n.via === "page" || n.events.length) ? notifications.filter((n) => n.events.includes("show")).length : -1;
  });

/**
 * Waits until the page has shown `expected.length` notifications, then checks they are the ones on
 * screen. A wait that times out says what the page had then (its visibility, connection, order,
 * service worker, and what it recorded).
 */
async function expectOnScreen(page: Page, expected: unknown[]): Promise<void> {
  try {
    await expect.poll(() => shownSoFar(page)).toBeGreaterThanOrEqual(expected.length);
    expect(await onScreen(page)).toEqual(expected);
  } catch (error) {
    const then = await page.evaluate(() => ({
      visibility: document.visibilityState,
      connection: document.querySelector("[data-testid=connection]")?.textContent,
      order: document.querySelector("[data-testid=order]")?.textContent,
      worker: navigator.serviceWorker?.controller?.state ?? null,
      record: (window as unknown as { record: Seen }).record,
    }));
    throw new Error(`${(error as Error).message}\nThe page then: ${JSON.stringify(then)}`, { cause: error });
  }
}

/** A panel in a new tab, in front of the others, sound on, watched. */
async function openTab(tabs: BrowserContext, url: string): Promise<Panel> {
  const page = await tabs.newPage();
  await page.addInitScript(recordNotifications);
  return loadPanel(page, url, { sound: "armed" });
}

/** Notifications on, from the panel's settings, as a person does it. */
async function enableNotifications(page: Page) {
  await page.getByRole("button", { name: /^Notifications/ }).click();
  await page.getByRole("button", { name: "Enable notifications" }).click();
  await expect(page.getByTestId("notifications")).toHaveAttribute("data-state", "on");
}

/** Another tab comes in front: the browser hides this one. */
async function hide(page: Page, tabs: BrowserContext, telegraph: Telegraph): Promise<Panel> {
  const front = await openTab(tabs, telegraph.url);
  await expect.poll(() => page.evaluate(() => document.visibilityState)).toBe("hidden");
  return front;
}

test("a panel in a background tab notifies of a new order, asking for permission only when a person enables it", async ({ tabs, telegraph }) => {
  await tabs.grantPermissions(["notifications"], { origin: telegraph.url });
  const panel = await openTab(tabs, telegraph.url);
  await panel.getByLabel("Your name").fill("Ann");
  await expect(panel.getByTestId("notifications")).toHaveAttribute("data-state", "off");
  expect((await recorded(panel)).requests).toBe(0); // not at page load
  await enableNotifications(panel);
  expect((await recorded(panel)).requests).toBe(1);
  // Web Push could be had here too (not subscribed to in a test: the push service is on the internet).
  const push = panel.getByRole("checkbox", { name: "Notify this device even when the panel is closed" });
  await expect(push).toBeEnabled();
  await expect(push).not.toBeChecked();

  // Visible, a new order rings but does not notify.
  await telegraph.order("lunch");
  await expect(panel.getByTestId("order")).toContainText("LUNCH");
  await expect(panel.getByTestId("bell")).toHaveAttribute("data-rings", "1");
  expect((await recorded(panel)).notifications).toEqual([]);

  // Shown through the service worker every page registers (as on Android, where only that works).
  await expect.poll(() => panel.evaluate(() => navigator.serviceWorker.controller?.state)).toBe("activated");
  const front = await hide(panel, tabs, telegraph);
  await telegraph.order("coffee");
  await expectOnScreen(panel, [
    { title: "Chadburn: COFFEE", body: expect.stringMatching(/^from the telegraph at \d\d:\d\d$/), tag: "chadburn-order", silent: false },
  ]);
  expect((await recorded(panel)).notifications.map((n) => n.via)).toEqual(["worker"]);
  await expect(panel.getByTestId("bell")).toHaveAttribute("data-rings", "2");
  // The tab in front shows it: no notification there.
  await expect(front.getByTestId("order")).toContainText("COFFEE");
  expect((await recorded(front)).notifications).toEqual([]);

  // Looked at, the panel takes its notification down.
  await panel.bringToFront();
  await expect.poll(() => panel.evaluate(() => document.visibilityState)).toBe("visible");
  await expect.poll(() => onScreen(panel)).toEqual([]);
  expect([...panel.errors, ...front.errors]).toEqual([]);
});

test("each person chooses which orders notify and which ring, kept in the browser", async ({ tabs, telegraph }) => {
  await tabs.grantPermissions(["notifications"], { origin: telegraph.url });
  const panel = await openTab(tabs, telegraph.url);
  await enableNotifications(panel); // opens the settings too
  await panel.getByRole("checkbox", { name: "Notify for SIWOTI" }).uncheck();
  await panel.getByRole("checkbox", { name: "Ring for EWW" }).uncheck();

  // Kept: a reload (or another tab) has the same choices.
  await panel.reload();
  await expect(panel.getByTestId("connection")).toHaveText("connected");
  await expect(panel.getByTestId("notifications")).toHaveAttribute("data-state", "on");
  await panel.getByRole("button", { name: /^Notifications/ }).click();
  await expect(panel.getByRole("checkbox", { name: "Notify for SIWOTI" })).not.toBeChecked();
  await expect(panel.getByRole("checkbox", { name: "Ring for SIWOTI" })).toBeChecked();
  await expect(panel.getByRole("checkbox", { name: "Ring for EWW" })).not.toBeChecked();
  await expect(panel.getByRole("checkbox", { name: "Notify for COFFEE" })).toBeChecked();
  // A reload blocked the sound again; that click, like any, armed it.
  await expect(panel.getByTestId("sound")).toHaveAttribute("data-state", "armed");

  // Ring off: the bell keeps quiet (no strike, no swing, no vibration) and the receipt says muted.
  await telegraph.order("eww");
  await expect(panel.getByTestId("order")).toContainText("EWW");
  await expect(panel.getByTestId("receipts")).toHaveText("EWW: delivered to 1, muted on 1, not answered yet");
  await expect(panel.getByTestId("bell")).toHaveAttribute("data-rings", "0");
  await expect(panel.getByTestId("bell")).toHaveAttribute("data-strikes", "0");
  expect((await recorded(panel)).vibrations).toEqual([]);
  // Another position rings as before, and vibrates where the device can.
  await telegraph.order("coffee");
  await expect(panel.getByTestId("receipts")).toHaveText("COFFEE: delivered to 1, rang on 1, not answered yet");
  await expect(panel.getByTestId("bell")).toHaveAttribute("data-strikes", "1");
  expect((await recorded(panel)).vibrations).toEqual([[200, 100, 200]]);

  // Hidden: notify off, no notification (it still rings); ring off, a notification without sound.
  const front = await hide(panel, tabs, telegraph);
  // Without a service worker (none in some browsers, or not active yet) the page shows them itself.
  await front.evaluate(() => navigator.serviceWorker.ready); // registered again by the tab in front
  expect(await panel.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.unregister())).toBe(true);
  await telegraph.order("siwoti");
  await expect(front.getByTestId("order")).toContainText("SIWOTI");
  await expect(panel.getByTestId("order")).toContainText("SIWOTI");
  await expect(panel.getByTestId("bell")).toHaveAttribute("data-rings", "2");
  await telegraph.order("eww");
  await expectOnScreen(panel, [{ title: "Chadburn: EWW", body: expect.any(String), tag: "chadburn-order", silent: true }]);
  expect((await recorded(panel)).notifications.map((n) => [n.via, n.title])).toEqual([["page", "Chadburn: EWW"]]);
  expect([...panel.errors, ...front.errors]).toEqual([]);
});

plain("the title and the favicon flag an unanswered order until it is answered", async ({ openPanel, telegraph }) => {
  const page = await openPanel({ name: "Ann" });
  const icon = page.locator('link[rel~="icon"]');
  await expect(icon).toHaveCount(1);
  const original = await icon.getAttribute("href");
  expect(original).toMatch(/^\/icon\.svg/);
  await expect(page).toHaveTitle("Chadburn");

  await telegraph.order("coffee");
  await expect(page).toHaveTitle("● COFFEE — Chadburn");
  await expect(icon).toHaveAttribute("href", /^data:image\/svg\+xml,/);
  await expect(icon).toHaveAttribute("type", "image/svg+xml");
  // What the browser draws: the icon with a red dot.
  const drawn = await page.evaluate(
    async (href) => {
      const image = new Image();
      image.src = href;
      await image.decode();
      const canvas = Object.assign(document.createElement("canvas"), { width: 64, height: 64 });
      const context = canvas.getContext("2d")!;
      context.drawImage(image, 0, 0, 64, 64);
      return [...context.getImageData(48, 16, 1, 1).data];
    },
    (await icon.getAttribute("href"))!,
  );
  expect(drawn).toEqual([229, 50, 45, 255]);

  await page.getByRole("button", { name: "COFFEE", exact: true }).click();
  await expect(page.getByTestId("acknowledged")).toHaveText("acknowledged");
  await expect(page).toHaveTitle("Chadburn");
  await expect(icon).toHaveAttribute("href", original!);
  expect(page.errors).toEqual([]);
});

/** This machine's own address on a network interface: a page from it is not a secure context (loopback is). */
function ownAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === "IPv4" && !i.internal)?.address;
}

test.describe("with two telegraphs", () => {
  test.use({ serverFlags: ["--config", "e2e/two-telegraphs.json"] });

  test("each telegraph's panel keeps its own choices, and its notification names its telegraph, under a tag of its own", async ({
    tabs,
    telegraph,
  }) => {
    await tabs.grantPermissions(["notifications"], { origin: telegraph.url });
    const workshop = await openTab(tabs, `${telegraph.url}/t/workshop`);
    await enableNotifications(workshop);
    await workshop.getByRole("checkbox", { name: "Ring for LUNCH" }).uncheck();
    // The default telegraph's panel, in front: its choices are its own, under today's key.
    const lab = await openTab(tabs, telegraph.url);
    await expect.poll(() => workshop.evaluate(() => document.visibilityState)).toBe("hidden");
    await expect(lab.getByTestId("notifications")).toHaveAttribute("data-state", "off");
    await lab.getByRole("button", { name: /^Notifications/ }).click();
    await expect(lab.getByRole("checkbox", { name: "Ring for LUNCH" })).toBeChecked();
    const keys = await lab.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith("chadburn.preferences")));
    expect(keys).toEqual(["chadburn.preferences.workshop"]);

    // The workshop's order: its hidden panel notifies, silently (LUNCH does not ring there), as the workshop's.
    expect((await lab.request.post(`${telegraph.url}/api/telegraphs/workshop/order`, { data: { position: "lunch" } })).status()).toBe(200);
    await expectOnScreen(workshop, [
      {
        title: "Chadburn · Workshop: LUNCH",
        body: expect.stringMatching(/^sent through the API at \d\d:\d\d$/),
        tag: "chadburn-order:workshop",
        silent: true,
      },
    ]);
    await expect(workshop.getByTestId("bell")).toHaveAttribute("data-rings", "0");
    expect((await recorded(lab)).notifications).toEqual([]); // in front, and of the other telegraph
    expect([...lab.errors, ...workshop.errors]).toEqual([]);
  });
});

plain.describe("over plain HTTP", () => {
  const address = ownAddress();
  // Served on that address only, so the page's origin is http://<address>:<port>; the traffic stays on this machine.
  plain.use({ serverFlags: ["--host", address ?? "127.0.0.1"] });

  plain("the panel says in one sentence that notifications need HTTPS, and links to how", async ({ newPage, telegraph }) => {
    expect(address, "this test needs an IPv4 address of this machine other than loopback").toBeDefined();
    const url = `http://${address}:${telegraph.port}`;
    const page = await newPage();
    await page.addInitScript(recordNotifications);
    await loadPanel(page, url);
    expect(await page.evaluate(() => window.isSecureContext)).toBe(false);

    const notice = page.getByTestId("https-notice");
    await expect(notice).toContainText("Notifications need HTTPS, and this panel is served over plain HTTP: see how to serve it over HTTPS.");
    await expect(page.getByTestId("notifications")).toHaveAttribute("data-state", "insecure");
    await expect(page.getByRole("button", { name: /^Notifications/ })).toHaveText("Notifications: need HTTPS");
    // The settings say so too, and still choose what rings; nothing is asked of the browser.
    await page.getByRole("button", { name: /^Notifications/ }).click();
    const settings = page.getByTestId("notification-settings");
    await expect(settings).toContainText("Notifications need HTTPS");
    await expect(settings.getByRole("button", { name: "Enable notifications" })).toHaveCount(0);
    await expect(settings.getByRole("checkbox", { name: "Ring for COFFEE" })).toBeChecked();
    await expect(settings.getByRole("checkbox", { name: "Notify this device even when the panel is closed" })).toBeDisabled();
    await expect(settings.getByTestId("push-why")).toHaveText("This needs HTTPS too.");
    expect((await recorded(page)).requests).toBe(0);

    // Hidden for good once hidden, in this browser.
    await notice.getByRole("button", { name: "Hide this notice" }).click();
    await expect(notice).toHaveCount(0);
    await page.reload();
    await expect(page.getByTestId("notifications")).toHaveAttribute("data-state", "insecure");
    await expect(page.getByTestId("https-notice")).toHaveCount(0);

    // The link leads to the panel's own page on the three ways to HTTPS.
    await page.getByRole("button", { name: /^Notifications/ }).click();
    await settings.getByRole("link", { name: "how to serve it over HTTPS" }).click();
    await expect(page).toHaveURL(`${url}/help/https`);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Serving the panel over HTTPS");
    for (const way of ["A reverse proxy with automatic HTTPS", "A local certificate authority", "Chadburn serves HTTPS itself"]) {
      await expect(page.getByRole("heading", { name: way })).toBeVisible();
    }
    await expect(page.getByText("--tls-cert cert.pem --tls-key key.pem")).toBeVisible();
    expect(page.errors).toEqual([]);
  });
});
