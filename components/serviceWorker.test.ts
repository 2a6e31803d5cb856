// public/sw.js is plain JavaScript served as is: it cannot import lib/. Run here with a stand-in
// for the browser's worker scope, it must make an order's notification as lib/ says the panel does.
import { readFileSync } from "node:fs";
import path from "node:path";
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import type { Order } from "../lib/protocol";
import { ANSWER_ACTION, NOTIFICATIONS_LOCK, ORDER_NOTIFICATION, ORDER_VIBRATION, type PushOrder, orderNotification, pushOrderOf } from "../lib/push";
import { notificationTitle } from "../lib/words";

const SOURCE = readFileSync(path.join(import.meta.dirname, "../public/sw.js"), "utf8");
const ORIGIN = "https://chadburn.test";

interface Shown {
  title: string;
  options: NotificationOptions & { data?: Record<string, unknown>; actions?: unknown[] };
}

/** A fresh worker, with windows open at `open` (paths): its event handlers, what it showed, fetched, focused and opened. */
function worker(open: string[] = []) {
  const handlers = new Map<string, (event: unknown) => void>();
  const shown: Shown[] = [];
  const fetched: { url: string; body: unknown }[] = [];
  const focused: string[] = [];
  const opened: string[] = [];
  const scope = {
    location: { origin: ORIGIN },
    clients: {
      matchAll: async () => open.map((at) => ({ url: `${ORIGIN}${at}`, focus: async () => void focused.push(at) })),
      openWindow: async (url: string) => void opened.push(url),
    },
    addEventListener: (type: string, handler: (event: unknown) => void) => handlers.set(type, handler),
    registration: {
      showNotification: async (title: string, options: Shown["options"]) => void shown.push({ title, options }),
      getNotifications: async ({ tag }: { tag: string }) =>
        shown.filter((n) => n.options.tag === tag).map((n) => ({ data: n.options.data, close() {} })),
    },
  };
  const fetch = async (url: string, init: { body: string }) => {
    fetched.push({ url, body: JSON.parse(init.body) });
    return new Response("{}");
  };
  const context = vm.createContext({ self: scope, fetch, URL, Response });
  vm.runInContext(SOURCE, context, { filename: "public/sw.js" });
  /** Dispatches an event as the browser would, and waits for the work it was given. */
  const dispatch = async (type: string, event: object) => {
    const pending: Promise<unknown>[] = [];
    handlers.get(type)!({ ...event, waitUntil: (work: Promise<unknown>) => pending.push(work) });
    await Promise.all(pending);
  };
  /** One of the script's top-level constants. */
  const constant = (name: string) => vm.runInContext(name, context);
  return { shown, fetched, focused, opened, dispatch, constant };
}

const order: Order = { position: 7, name: "coffee", label: "COFFEE", seq: 4, at: "2026-11-26T10:02:00.000Z", source: "panel", by: "Ann" };
const push = (payload: unknown) => ({ data: { json: () => payload } });

describe("the service worker", () => {
  it("declares the notification's tag, look, vibration, action and lock as lib/push.ts does", () => {
    const { constant } = worker();
    expect(constant("ORDER_NOTIFICATION")).toEqual(ORDER_NOTIFICATION);
    expect(constant("ORDER_VIBRATION")).toEqual(ORDER_VIBRATION);
    expect(constant("ANSWER_ACTION")).toEqual(ANSWER_ACTION);
    expect(constant("NOTIFICATIONS_LOCK")).toBe(NOTIFICATIONS_LOCK);
  });

  it("shows a pushed order as the panel shows it: its title, tag and the whole PushOrder in its data", async () => {
    const { shown, dispatch } = worker();
    const pushed: PushOrder = pushOrderOf(order);
    await dispatch("push", push(pushed));
    expect(shown).toHaveLength(1);
    const [{ title, options }] = shown;
    expect(title).toBe(notificationTitle(pushed));
    expect(options).toMatchObject({ ...ORDER_NOTIFICATION, vibrate: ORDER_VIBRATION, actions: [ANSWER_ACTION] });
    expect(options.data).toEqual({ ...pushed, url: `/?order=${pushed.seq}` });
  });

  it("does not show an order its tag already shows", async () => {
    const { shown, dispatch } = worker();
    await dispatch("push", push(pushOrderOf(order)));
    await dispatch("push", push(pushOrderOf(order)));
    await dispatch("push", push(pushOrderOf({ ...order, seq: 5 })));
    expect(shown.map((n) => n.options.data?.seq)).toEqual([4, 5]);
  });

  it("does not replace a newer order's notification with a push that came late, even from a new store (seq 1 again)", async () => {
    const { shown, dispatch } = worker();
    await dispatch("push", push(pushOrderOf(order)));
    await dispatch("push", push(pushOrderOf({ ...order, seq: 3, at: "2026-11-26T10:01:00.000Z" })));
    await dispatch("push", push(pushOrderOf({ ...order, seq: 1, at: "2026-11-26T10:05:00.000Z" })));
    expect(shown.map((n) => n.options.data?.seq)).toEqual([4, 1]);
  });

  it("shows something, under the same tag, for a push it cannot read", async () => {
    const { shown, dispatch } = worker();
    await dispatch("push", push({ ...pushOrderOf(order), position: "7" }));
    expect(shown).toEqual([{ title: "Chadburn", options: expect.objectContaining({ tag: ORDER_NOTIFICATION.tag, data: { url: "/" } }) }]);
  });

  it("answers the order from lib's Answer action, with the position in the data", async () => {
    const { fetched, dispatch } = worker();
    const notification = { data: { ...pushOrderOf(order), url: "/" }, close() {} };
    await dispatch("notificationclick", { action: ANSWER_ACTION.action, notification });
    expect(fetched).toEqual([{ url: "/api/answer", body: { position: 7 } }]);
  });

  describe("with several telegraphs", () => {
    const lab = pushOrderOf(order, { title: "Lab" });
    const workshop = pushOrderOf(order, { slug: "workshop", title: "Workshop" });

    it("shows each telegraph's order under its own tag, titled and linked as lib/ says, the same seq on two telegraphs included", async () => {
      const { shown, dispatch } = worker();
      await dispatch("push", push(lab));
      await dispatch("push", push(workshop));
      await dispatch("push", push(workshop));
      expect(shown.map((n) => [n.title, n.options.tag, n.options.data?.url])).toEqual([
        [notificationTitle(lab), orderNotification(lab).tag, orderNotification(lab).url],
        [notificationTitle(workshop), orderNotification(workshop).tag, orderNotification(workshop).url],
      ]);
      expect(shown.map((n) => n.title)).toEqual(["Chadburn · Lab: COFFEE", "Chadburn · Workshop: COFFEE"]);
      expect(shown[1].options.data).toEqual({ ...workshop, url: "/t/workshop?order=4" });
    });

    it("answers on the order's telegraph, and a tap focuses that telegraph's panel, or opens it", async () => {
      const { fetched, focused, opened, dispatch } = worker(["/", "/t/lab"]);
      const notification = (pushed: PushOrder) => ({ data: { ...pushed, url: orderNotification(pushed).url }, close() {} });
      await dispatch("notificationclick", { action: ANSWER_ACTION.action, notification: notification(workshop) });
      expect(fetched).toEqual([{ url: "/api/telegraphs/workshop/answer", body: { position: 7 } }]);
      await dispatch("notificationclick", { action: "", notification: notification(lab) });
      await dispatch("notificationclick", { action: "", notification: notification(workshop) });
      expect(focused).toEqual(["/"]);
      expect(opened).toEqual([`${ORIGIN}/t/workshop?order=4`]);
    });

    it("a push naming no valid slug is not trusted with one", async () => {
      const { shown, dispatch } = worker();
      await dispatch("push", push({ ...workshop, slug: "../admin" }));
      expect(shown).toEqual([{ title: "Chadburn", options: expect.objectContaining({ tag: ORDER_NOTIFICATION.tag, data: { url: "/" } }) }]);
    });

    it("a renewed subscription is handed to the server in place of the old one, whatever telegraphs it followed", async () => {
      const { fetched, dispatch } = worker();
      const renewed = { toJSON: () => ({ endpoint: "https://push.example/new", keys: { p256dh: "B", auth: "a" } }) };
      await dispatch("pushsubscriptionchange", { oldSubscription: { endpoint: "https://push.example/old" }, newSubscription: renewed });
      expect(fetched).toEqual([
        {
          url: "/api/push/renewal",
          body: { endpoint: "https://push.example/new", keys: { p256dh: "B", auth: "a" }, replaces: "https://push.example/old" },
        },
      ]);
    });
  });
});
