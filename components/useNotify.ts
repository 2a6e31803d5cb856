// What a new order does on this device, as its person chose (usePreferences): the bell and a
// vibration for the positions that ring, and a notification while the panel is hidden for the
// positions that notify. The notification goes away once the order is answered or the panel is
// looked at. Each telegraph's notifications are its own (their tag): one panel closes only its own.
import { useCallback, useEffect, useRef } from "react";
import { type Heard, type Order } from "../lib/protocol";
import {
  ANSWER_ACTION,
  NOTIFICATIONS_LOCK,
  type NotificationData,
  ORDER_NOTIFICATION,
  ORDER_VIBRATION,
  type PushedTelegraph,
  orderNotification,
  orderTag,
  pushOrderOf,
  alreadyTold,
} from "../lib/push";
import type { PreferencesApi } from "./usePreferences";
import { describeOrigin, notificationTitle } from "../lib/words";

/** The last order this browser notified of (any tab). */
const NOTIFIED_KEY = "chadburn.notified";
/** Shown by this page with the constructor (those through the service worker are listed by it). */
const shownHere = new Set<Notification>();

/** The browser can show notifications here and the person allowed them. */
export const notificationsAllowed = () => typeof Notification !== "undefined" && window.isSecureContext && Notification.permission === "granted";

/** The service worker's registration, when one controls this page's scope (components/usePush.ts registers it). */
async function registration(): Promise<ServiceWorkerRegistration | undefined> {
  try {
    return await navigator.serviceWorker?.getRegistration();
  } catch {
    return undefined;
  }
}

/**
 * Once per order on this device: several hidden tabs of the panel get the same order at the same
 * moment. The first to take the lock notifies; the others find the order noted and leave it.
 */
async function firstToNotify(order: Order, { slug = "" }: PushedTelegraph): Promise<boolean> {
  const mark = `${slug}#${order.seq}@${order.at}`;
  const take = () => {
    try {
      if (localStorage.getItem(NOTIFIED_KEY) === mark) return false;
      localStorage.setItem(NOTIFIED_KEY, mark);
    } catch {} // no storage: each tab for itself
    return true;
  };
  if (!navigator.locks) return take();
  return navigator.locks.request(NOTIFIED_KEY, take).catch(() => true);
}

/** `work` under NOTIFICATIONS_LOCK, where the browser has Web Locks. */
const exclusively = async (work: () => Promise<void>): Promise<void> =>
  navigator.locks ? navigator.locks.request(NOTIFICATIONS_LOCK, work) : work();

async function show(order: Order, silent: boolean, telegraph: PushedTelegraph): Promise<void> {
  if (!(await firstToNotify(order, telegraph))) return;
  const pushed = pushOrderOf(order, telegraph);
  const { tag, url } = orderNotification(pushed);
  // `renotify` is in the standard (alert again for the same tag) but not in TypeScript's DOM types.
  const data: NotificationData = { ...pushed, url };
  // As a Web Push's (public/sw.js): its worker opens the panel on a click and answers with "Answer".
  const options: NotificationOptions & { renotify: boolean } = { ...ORDER_NOTIFICATION, tag, body: describeOrigin(order), silent, data };
  const title = notificationTitle(pushed);
  // Through the service worker where there is one: Android's Chrome only shows notifications that
  // way (the constructor throws there). A Web Push for the same order may have shown it already.
  const worker = await registration();
  if (worker) {
    try {
      return await exclusively(async () => {
        const shown = await worker.getNotifications({ tag });
        if (shown.some((n) => alreadyTold(n.data as NotificationData | null, order))) return;
        // Buttons only on the worker's notifications (the constructor refuses them).
        // A hidden page cannot vibrate, its notification can (a silent one must not).
        const extra = { actions: [ANSWER_ACTION], ...(silent ? {} : { vibrate: ORDER_VIBRATION }) };
        await worker.showNotification(title, { ...options, ...extra } as NotificationOptions);
      });
    } catch {} // the constructor, then
  }
  try {
    const notification = new Notification(title, options);
    shownHere.add(notification);
    notification.onclose = () => shownHere.delete(notification);
    notification.onclick = () => {
      window.focus();
      notification.close();
    };
  } catch {} // nowhere to show it: the title and the favicon still say it
}

/** Takes every notification of the telegraph's down: its order was answered, or someone looks at its panel. */
async function closeAll({ slug }: PushedTelegraph): Promise<void> {
  const worker = await registration();
  if (worker) {
    await exclusively(async () => {
      for (const n of await worker.getNotifications({ tag: orderTag(slug) }).catch(() => [])) n.close();
    });
  }
  for (const n of shownHere) n.close();
  shownHere.clear();
}

/**
 * `announce(order)` for a new order: rings (or not, as chosen), vibrates, notifies; returns how
 * the order was heard, for its receipt. `unanswered` is the order waiting for an answer, if any;
 * `telegraph` names the panel's telegraph as its pushes do (no slug: the default).
 */
export function useNotify(
  ring: () => Exclude<Heard, "delivered">,
  preferences: PreferencesApi,
  unanswered: Order | null,
  { slug, title }: PushedTelegraph = {},
) {
  const { rings, notifies } = preferences;

  const announce = useCallback(
    (order: Order): Exclude<Heard, "delivered"> => {
      const ringing = rings(order.name);
      // Browsers vibrate only for a page that was interacted with and is visible; elsewhere it is a no-op.
      if (ringing && navigator.userActivation?.hasBeenActive !== false) {
        try {
          navigator.vibrate?.(ORDER_VIBRATION);
        } catch {}
      }
      if (notifies(order.name) && document.visibilityState === "hidden" && notificationsAllowed()) void show(order, !ringing, { slug, title });
      return ringing ? ring() : "muted";
    },
    [ring, rings, notifies, slug, title],
  );

  // Answered (here or anywhere), or gone: its notification is stale.
  const waiting = unanswered?.seq ?? null;
  const wasWaiting = useRef(false);
  useEffect(() => {
    if (waiting === null && wasWaiting.current && notificationsAllowed()) void closeAll({ slug });
    wasWaiting.current = waiting !== null;
  }, [waiting, slug]);

  // Looked at: the panel says it all.
  useEffect(() => {
    const onVisible = () => document.visibilityState === "visible" && notificationsAllowed() && void closeAll({ slug });
    document.addEventListener("visibilitychange", onVisible);
    return () => document.removeEventListener("visibilitychange", onVisible);
  }, [slug]);

  return announce;
}
