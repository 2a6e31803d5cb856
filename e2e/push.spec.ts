// The installable panel and Web Push in Chromium: the manifest and its icons, the service worker's
// offline screen, and its notifications for pushes, which Chromium delivers here through the
// DevTools protocol (a real push service is not reachable from a test), with an Answer action
// that answers on the server without opening the page.
import type { BrowserContext, CDPSession, Page } from "@playwright/test";
import type { Snapshot } from "../lib/protocol";
import { type PushOrder, pushOrderOf } from "../lib/push";
import { type Panel, type Telegraph, expect, loadPanel, test } from "./fixtures";
import { test as tabbed } from "./tabs";

/** The panel in a browser context of its own, notifications allowed, its service worker active and in control. */
async function panelWithWorker(newPage: (o?: object) => Promise<Panel>, telegraph: Telegraph): Promise<{ panel: Panel; context: BrowserContext }> {
  const page = await newPage();
  const context = page.context();
  await context.grantPermissions(["notifications"], { origin: telegraph.url });
  const panel = await loadPanel(page, telegraph.url);
  // Every page registers it (components/ServiceWorker.tsx); it claims the page once active.
  await expect.poll(() => panel.evaluate(() => navigator.serviceWorker.controller?.state ?? "none")).toBe("activated");
  return { panel, context };
}

/** The worker's registration id, as the DevTools protocol names it. */
async function registrationId(cdp: CDPSession, origin: string): Promise<string> {
  const found = new Promise<string>((resolve) => {
    cdp.on("ServiceWorker.workerRegistrationUpdated", ({ registrations }) => {
      const ours = registrations.find((r) => r.scopeURL === `${origin}/` && !r.isDeleted);
      if (ours) resolve(ours.registrationId);
    });
  });
  await cdp.send("ServiceWorker.enable"); // reports the registrations there are
  return found;
}

/**
 * The notifications the service worker shows now. Read it only when no notification is on its way
 * to the screen: Chromium's getNotifications() deletes, for good, a stored notification that the
 * platform does not list as displayed yet (platform_notification_context_impl.cc), so a read while
 * one is being shown can lose it. Wait for `shows` first.
 */
const shown = (page: Page) =>
  page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    return (await registration.getNotifications()).map((n) => ({
      title: n.title,
      body: n.body,
      tag: n.tag,
      requireInteraction: n.requireInteraction,
      actions: (n as Notification & { actions: { action: string; title: string }[] }).actions.map(({ action, title }) => ({ action, title })),
      data: n.data,
    }));
  });

/** From now on the worker notes the seq of each notification it has shown (its showNotification resolved). */
async function noteShows(context: BrowserContext): Promise<() => Promise<number[]>> {
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent("serviceworker"));
  await worker.evaluate(() => {
    const scope = self as unknown as WorkerScope & { shows: number[] };
    const show = scope.registration.showNotification.bind(scope.registration);
    scope.shows = [];
    scope.registration.showNotification = async (title, options) => {
      await show(title, options);
      scope.shows.push(options?.data?.seq);
    };
  });
  return () => worker.evaluate(() => (self as unknown as { shows: number[] }).shows);
}

/** What the server pushes for the order at `position` (server/push/send.ts), once the server has it. */
async function pushFor(page: Page, url: string, position: number): Promise<PushOrder> {
  let order: Snapshot["order"] = null;
  await expect
    .poll(async () => {
      ({ order } = (await (await page.request.get(`${url}/api/state`)).json()) as Snapshot);
      return order?.position;
    })
    .toBe(position);
  const { seq, label, at } = order!;
  return { seq, position, label, at };
}

/** The service worker's global scope, as much as these tests use (the DOM types have no worker scope). */
type WorkerScope = EventTarget & {
  registration: ServiceWorkerRegistration;
  NotificationEvent: new (type: string, init: { notification: Notification; action: string }) => Event;
};

/** Has the service worker take the action of its notification (the first, or the one with `tag`), as a tap on its button does. */
async function tapAction(context: BrowserContext, action: string, tag?: string) {
  const [worker] = context.serviceWorkers();
  await worker.evaluate(
    async ({ action, tag }) => {
      const scope = self as unknown as WorkerScope;
      const [notification] = await scope.registration.getNotifications(tag ? { tag } : undefined);
      scope.dispatchEvent(new scope.NotificationEvent("notificationclick", { notification, action }));
    },
    { action, tag },
  );
}

test("the manifest is served with icons that are PNGs of their sizes, and Chromium finds the panel installable", async ({ newPage, telegraph }) => {
  const { panel, context } = await panelWithWorker(newPage, telegraph);
  const href = await panel.locator('link[rel="manifest"]').getAttribute("href");
  expect(href).toBe("/manifest.webmanifest");
  const res = await panel.request.get(`${telegraph.url}${href}`);
  expect(res.status()).toBe(200);
  const manifest = await res.json();
  expect(manifest).toMatchObject({
    name: "Chadburn",
    short_name: "Chadburn",
    start_url: "/",
    scope: "/",
    display: "standalone",
    background_color: "#0b1722",
    theme_color: "#0b1722",
  });
  expect(manifest.icons.map((i: { sizes: string; purpose: string }) => `${i.sizes} ${i.purpose}`)).toEqual([
    "192x192 any",
    "512x512 any",
    "192x192 maskable",
    "512x512 maskable",
  ]);
  for (const icon of [...manifest.icons, { src: "/icons/badge-96.png", sizes: "96x96", type: "image/png" }]) {
    const image = await panel.request.get(`${telegraph.url}${icon.src}`);
    expect(image.headers()["content-type"], icon.src).toBe("image/png");
    const png = await image.body();
    expect(png.subarray(0, 8).toString("hex"), icon.src).toBe("89504e470d0a1a0a");
    expect(`${png.readUInt32BE(16)}x${png.readUInt32BE(20)}`, icon.src).toBe(icon.sizes); // IHDR's width and height
  }
  await expect(panel.locator('link[rel="apple-touch-icon"]')).toHaveAttribute("href", /^\/apple-icon\.png/);
  const cdp = await context.newCDPSession(panel);
  const { errors } = await cdp.send("Page.getAppManifest");
  expect(errors).toEqual([]);
  // Playwright's browser contexts are off the record, where Chromium installs nothing; else none.
  const { installabilityErrors } = await cdp.send("Page.getInstallabilityErrors");
  expect(installabilityErrors.map((e) => e.errorId).filter((id) => id !== "in-incognito")).toEqual([]);
  expect(panel.errors).toEqual([]);
});

test("a push shows the order's notification; its Answer action answers on the server, with the page closed", async ({ newPage, telegraph }) => {
  const { panel, context } = await panelWithWorker(newPage, telegraph);
  await telegraph.order("7");
  const order = await pushFor(panel, telegraph.url, 7);
  expect(order).toMatchObject({ seq: 1, position: 7, label: "COFFEE" });
  const shows = await noteShows(context);
  const cdp = await context.newCDPSession(panel);
  const id = await registrationId(cdp, telegraph.url);
  await cdp.send("ServiceWorker.deliverPushMessage", { origin: telegraph.url, registrationId: id, data: JSON.stringify(order) });
  await expect.poll(shows).toEqual([1]);
  expect(await shown(panel)).toEqual([
    {
      title: "Chadburn: COFFEE",
      body: expect.stringMatching(/^Order #1 at \d/),
      tag: "chadburn-order",
      requireInteraction: true,
      actions: [{ action: "answer", title: "Answer" }],
      data: expect.objectContaining({ seq: 1, position: 7, label: "COFFEE", url: "/?order=1" }),
    },
  ]);
  await cdp.detach();
  // Nothing of the panel is open now: the worker alone answers.
  await panel.close();
  await tapAction(context, "answer");
  await expect.poll(() => telegraph.read(telegraph.acceptFile)).toBe("7\n");
  const state = (await (await context.request.get(`${telegraph.url}/api/state`)).json()) as Snapshot;
  expect(state).toMatchObject({ acknowledged: true, answer: { position: 7, seq: 1 } });
  // Answered: the notification is gone, and no window was opened for it.
  const [worker] = context.serviceWorkers();
  await expect.poll(() => worker.evaluate(async () => (await (self as unknown as WorkerScope).registration.getNotifications()).length)).toBe(0);
  expect(context.pages()).toEqual([]);
});

test("a push for an order the hidden panel already showed is not shown twice", async ({ newPage, telegraph }) => {
  const { panel, context } = await panelWithWorker(newPage, telegraph);
  await telegraph.order("7");
  const order = await pushFor(panel, telegraph.url, 7);
  // As the panel shows it when hidden (components/useNotify.ts): same tag, the order's seq in its data.
  await panel.evaluate(async (seq) => {
    const registration = await navigator.serviceWorker.ready;
    await registration.showNotification("Chadburn: COFFEE", { body: "from the page", tag: "chadburn-order", data: { seq } });
  }, order.seq);
  const shows = await noteShows(context); // which orders the worker itself shows, from now on
  const cdp = await context.newCDPSession(panel);
  const id = await registrationId(cdp, telegraph.url);
  for (const seq of [order.seq, order.seq + 1]) {
    await cdp.send("ServiceWorker.deliverPushMessage", { origin: telegraph.url, registrationId: id, data: JSON.stringify({ ...order, seq }) });
  }
  // Pushes are handled in turn: once the second is shown, the first was handled, and skipped.
  await expect.poll(shows).toEqual([order.seq + 1]);
  await cdp.detach();
});

tabbed("a hidden panel and a push for the same order at the same moment show it once, whichever is first", async ({ tabs, telegraph }) => {
  await tabs.grantPermissions(["notifications"], { origin: telegraph.url });
  const panel = await loadPanel(await tabs.newPage(), telegraph.url);
  await panel.getByRole("button", { name: /^Notifications/ }).click();
  await panel.getByRole("button", { name: "Enable notifications" }).click();
  await expect.poll(() => panel.evaluate(() => navigator.serviceWorker.controller?.state)).toBe("activated");
  // The seqs the panel has shown through the worker's registration, as noteShows does in the worker.
  await panel.evaluate(() => {
    const scope = window as unknown as { shows: number[] };
    const show = ServiceWorkerRegistration.prototype.showNotification;
    scope.shows = [];
    ServiceWorkerRegistration.prototype.showNotification = async function (title, options) {
      await show.call(this, title, options);
      scope.shows.push(options?.data?.seq);
    };
  });
  const pageShows = () => panel.evaluate(() => (window as unknown as { shows: number[] }).shows);
  const workerShows = await noteShows(tabs);
  const front = await loadPanel(await tabs.newPage(), telegraph.url); // in front: the panel is hidden
  await expect.poll(() => panel.evaluate(() => document.visibilityState)).toBe("hidden");
  const cdp = await tabs.newCDPSession(front);
  const id = await registrationId(cdp, telegraph.url);
  const deliver = (order: PushOrder) =>
    cdp.send("ServiceWorker.deliverPushMessage", { origin: telegraph.url, registrationId: id, data: JSON.stringify(order) });
  const seqs: number[] = [];
  for (const position of [7, 8, 7, 8, 7, 8]) {
    await telegraph.order(String(position));
    // The push as the server sends it, while the hidden panel is showing the same order.
    const order = await pushFor(front, telegraph.url, position);
    await deliver(order);
    seqs.push(order.seq);
    await expect.poll(async () => [...(await pageShows()), ...(await workerShows())].includes(order.seq)).toBe(true);
  }
  // One more push, of an order no panel shows: once it is shown, every show asked for before it is done (the lock is first come, first served).
  const last = { ...(await pushFor(front, telegraph.url, 8)), seq: seqs.at(-1)! + 1 };
  await deliver(last);
  await expect.poll(async () => (await workerShows()).includes(last.seq)).toBe(true);
  const shows = [...(await pageShows()), ...(await workerShows())].sort((a, b) => a - b);
  expect(shows).toEqual([...seqs, last.seq]);
  await cdp.detach();
});

test.describe("where anonymous panels may not answer", () => {
  test.use({ serverFlags: ["--anonymous", "viewer"] });

  test("the Answer action shows why it did not answer, and the order stays unanswered", async ({ newPage, telegraph }) => {
    const { panel, context } = await panelWithWorker(newPage, telegraph);
    await telegraph.order("7");
    const order = await pushFor(panel, telegraph.url, 7);
    const shows = await noteShows(context);
    const cdp = await context.newCDPSession(panel);
    const id = await registrationId(cdp, telegraph.url);
    await cdp.send("ServiceWorker.deliverPushMessage", { origin: telegraph.url, registrationId: id, data: JSON.stringify(order) });
    await expect.poll(shows).toEqual([order.seq]);
    await tapAction(context, "answer");
    await expect.poll(shows).toEqual([order.seq, order.seq]); // shown again, saying why
    expect(await shown(panel)).toEqual([
      expect.objectContaining({
        body: expect.stringMatching(/\nNot answered: answering needs the crew role/),
        actions: [{ action: "answer", title: "Answer" }], // to try again
      }),
    ]);
    expect(await telegraph.read(telegraph.acceptFile)).toBe("");
  });
});

test.describe("with two telegraphs", () => {
  test.use({ serverFlags: ["--config", "e2e/two-telegraphs.json"] });

  test("each telegraph's push is a notification of its own, named by it; its Answer answers on that telegraph", async ({ newPage, telegraph }) => {
    const { panel, context } = await panelWithWorker(newPage, telegraph);
    await telegraph.order("7");
    const lab = { ...(await pushFor(panel, telegraph.url, 7)), title: "Telegraph" }; // the default telegraph's: no slug
    expect((await panel.request.post(`${telegraph.url}/api/telegraphs/workshop/order`, { data: { position: "lunch" } })).status()).toBe(200);
    const state = async (slug: string) => (await (await panel.request.get(`${telegraph.url}/api/telegraphs/${slug}/state`)).json()) as Snapshot;
    const workshop = pushOrderOf((await state("workshop")).order!, { slug: "workshop", title: "Workshop" });
    const shows = await noteShows(context);
    const cdp = await context.newCDPSession(panel);
    const id = await registrationId(cdp, telegraph.url);
    for (const push of [lab, workshop]) {
      await cdp.send("ServiceWorker.deliverPushMessage", { origin: telegraph.url, registrationId: id, data: JSON.stringify(push) });
    }
    await expect.poll(async () => (await shows()).length).toBe(2);
    const titled = (await shown(panel)).map(({ title, tag, data }) => ({ title, tag, url: data.url }));
    expect(titled.sort((a, b) => a.tag.localeCompare(b.tag))).toEqual([
      { title: "Chadburn · Telegraph: COFFEE", tag: "chadburn-order", url: `/?order=${lab.seq}` },
      { title: "Chadburn · Workshop: LUNCH", tag: "chadburn-order:workshop", url: `/t/workshop?order=${workshop.seq}` },
    ]);
    await cdp.detach();

    await tapAction(context, "answer", "chadburn-order:workshop");
    await expect.poll(async () => (await state("workshop")).acknowledged).toBe(true);
    await expect.poll(async () => (await shown(panel)).map((n) => n.tag)).toEqual(["chadburn-order"]);
    expect((await state("default")).acknowledged).toBe(false);
    expect(await telegraph.read(telegraph.acceptFile)).toBe(""); // the workshop's answer never reached the lab's telegraph
  });
});

test("offline, the panel opens to the offline screen, not a browser error; back online, to the live panel", async ({ newPage, telegraph }) => {
  const { panel, context } = await panelWithWorker(newPage, telegraph);
  await context.setOffline(true);
  for (const path of ["/", "/admin"]) {
    await panel.goto(`${telegraph.url}${path}`);
    await expect(panel.getByRole("heading", { name: "Chadburn is offline" })).toBeVisible();
    await expect(panel.getByText("This device cannot reach the Chadburn server")).toBeVisible();
    // Its stylesheet and picture came from the worker's cache too.
    expect(await panel.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe("rgb(11, 23, 34)");
    expect(await panel.locator("img").evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(192);
  }
  await context.setOffline(false);
  await panel.getByRole("link", { name: "Try again now" }).click();
  await expect(panel.getByTestId("connection")).toHaveText("connected"); // never cached: live
  await telegraph.order("coffee");
  await expect(panel.getByTestId("order")).toContainText("COFFEE");
});
