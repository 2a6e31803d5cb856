// Chadburn's service worker (scope "/"), registered by every page (components/ServiceWorker.tsx).
// - Offline: navigations go to the network as always; only when it fails does the worker answer
//   with the offline screen it cached on install. The panel itself is never cached: it must be live.
// - Web Push: each push is a new order of a telegraph this browser follows, shown as a notification
//   (one per telegraph) that opens that telegraph's panel, with an "Answer" action that answers
//   from the notification without opening the page.
// Plain JavaScript, not bundled: a browser fetches it as is from /sw.js. What it shares with the
// panel's own notifications (components/useNotify.ts) is declared in lib/push.ts and lib/words.ts;
// components/serviceWorker.test.ts holds this copy to them.

const CACHE = "chadburn-offline-v1";
const OFFLINE_PAGE = "/offline.html";
/** The offline screen and what it shows; nothing else is cached. */
const OFFLINE_ASSETS = [OFFLINE_PAGE, "/offline.css", "/icons/icon-192.png"];
/** lib/push.ts ORDER_NOTIFICATION: one notification per telegraph for its current order, a new one replaces it (and alerts again). */
const ORDER_NOTIFICATION = {
  tag: "chadburn-order",
  renotify: true,
  requireInteraction: true,
  icon: "/icons/icon-192.png",
  badge: "/icons/badge-96.png",
};
/** lib/push.ts ORDER_VIBRATION and ANSWER_ACTION. */
const ORDER_VIBRATION = [200, 100, 200];
const ANSWER_ACTION = { action: "answer", title: "Answer" };
/** lib/push.ts NOTIFICATIONS_LOCK: each look at the notifications shown, and what follows from it, in turn with the panels'. */
const NOTIFICATIONS_LOCK = "chadburn.notifications";

/** `work` under NOTIFICATIONS_LOCK, where the browser has Web Locks. */
function exclusively(work) {
  const locks = self.navigator && self.navigator.locks;
  return locks ? locks.request(NOTIFICATIONS_LOCK, work) : work();
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(OFFLINE_ASSETS.map((url) => new Request(url, { cache: "reload" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
      // The navigation starts while the worker wakes up, not after: no delay for a live page.
      if (self.registration.navigationPreload) await self.registration.navigationPreload.enable();
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    event.respondWith(
      (async () => {
        try {
          return (await event.preloadResponse) || (await fetch(request));
        } catch {
          return (await caches.match(OFFLINE_PAGE)) || Response.error();
        }
      })(),
    );
    return;
  }
  const url = new URL(request.url);
  if (url.origin === self.location.origin && OFFLINE_ASSETS.includes(url.pathname)) {
    event.respondWith(fetch(request).catch(async () => (await caches.match(url.pathname)) || Response.error()));
  }
  // Everything else (the panel's scripts, socket.io, the API) goes to the network untouched.
});

/** An ExtendableEvent dispatched by hand (devtools, tests) cannot be extended: the work goes on anyway. */
function keepAlive(event, promise) {
  try {
    event.waitUntil(promise);
  } catch {
    // untrusted event
  }
}

/** "10:04" in the device's own way. */
function clock(iso) {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? "" : at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/** lib/words.ts notificationTitle. */
const notificationTitle = (order) => `Chadburn${order.title ? ` · ${order.title}` : ""}: ${order.label}`;

/** lib/push.ts orderNotification: its telegraph's tag, the page a tap opens, where "Answer" posts. */
function orderNotification({ slug, seq }) {
  return slug
    ? { tag: `${ORDER_NOTIFICATION.tag}:${slug}`, url: `/t/${slug}?order=${seq}`, answer: `/api/telegraphs/${slug}/answer` }
    : { tag: ORDER_NOTIFICATION.tag, url: `/?order=${seq}`, answer: "/api/answer" };
}

/** The notification for an order: lib/push.ts PushOrder {seq, position, label, at, by?, slug?, title?} as the server pushes it. */
async function showOrder(order, problem) {
  const when = clock(order.at);
  const lines = [`Order #${order.seq}${when ? ` at ${when}` : ""}${order.by ? ` from ${order.by}` : ""}`];
  if (problem) lines.push(problem);
  const { tag, url } = orderNotification(order);
  const { seq, position, label, at, by, slug, title } = order;
  await self.registration.showNotification(notificationTitle(order), {
    ...ORDER_NOTIFICATION,
    tag,
    body: lines.join("\n"),
    vibrate: ORDER_VIBRATION,
    timestamp: Date.parse(at) || Date.now(),
    // lib/push.ts NotificationData.
    data: { seq, position, label, at, by, slug, title, url },
    actions: [ANSWER_ACTION],
  });
}

/** lib/push.ts alreadyTold: the notification shows this order, or one given after it. */
function alreadyTold(data, order) {
  if (!data) return false;
  return data.seq === order.seq || Date.parse(data.at || "") > Date.parse(order.at);
}

/** A hidden panel may have shown this order already (components/useNotify.ts), or a newer one came first: no news. */
async function alreadyShown(order) {
  const shown = await self.registration.getNotifications({ tag: orderNotification(order).tag });
  return shown.some((notification) => alreadyTold(notification.data, order));
}

self.addEventListener("push", (event) => {
  let order = null;
  try {
    order = event.data ? event.data.json() : null;
  } catch {
    order = null;
  }
  const valid =
    order &&
    Number.isInteger(order.seq) &&
    Number.isInteger(order.position) &&
    typeof order.label === "string" &&
    (order.slug === undefined || /^[a-z0-9-]{1,32}$/.test(order.slug)) &&
    (order.title === undefined || typeof order.title === "string");
  keepAlive(
    event,
    exclusively(() =>
      valid
        ? alreadyShown(order).then((shown) => shown || showOrder(order))
        : // Every push must show something (userVisibleOnly); one we cannot read says only that there is news.
          self.registration.showNotification("Chadburn", {
            body: "A new order: open the panel.",
            tag: ORDER_NOTIFICATION.tag,
            icon: ORDER_NOTIFICATION.icon,
            data: { url: "/" },
          }),
    ),
  );
});

/** Answers the order from the notification, as the panel does: the session cookie, if any, goes along. */
async function answer(notification) {
  const order = notification.data || {};
  let problem;
  try {
    const response = await fetch(orderNotification(order).answer, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ position: order.position }),
    });
    if (response.ok) return notification.close();
    const body = await response.json().catch(() => ({}));
    problem = `Not answered: ${body.error || `the server said ${response.status}`}`;
  } catch {
    problem = "Not answered: the server cannot be reached.";
  }
  // Shown again, with why and the Answer button, so it can be tried again or opened.
  await exclusively(() => showOrder(order, problem));
}

/** Focuses an open panel of the order's telegraph, else opens one on the order. */
async function openPanel(notification) {
  notification.close();
  const url = new URL((notification.data && notification.data.url) || "/", self.location.origin);
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const panel = windows.find((w) => {
    const at = new URL(w.url);
    return at.origin === url.origin && at.pathname === url.pathname;
  });
  if (panel) return panel.focus();
  return self.clients.openWindow(url.href);
}

self.addEventListener("notificationclick", (event) => {
  keepAlive(event, event.action === ANSWER_ACTION.action ? answer(event.notification) : openPanel(event.notification));
});

// The push service replaced the subscription (expiry, key rotation): subscribe again with the same
// key and tell the server, which moves what the old one followed (telegraphs, muted positions) to
// it, so pushes keep coming without the page being opened. Without the old one there is nothing to
// move: a panel of each telegraph tells the server again when next opened (components/usePush.ts).
self.addEventListener("pushsubscriptionchange", (event) => {
  keepAlive(
    event,
    (async () => {
      const old = event.oldSubscription;
      if (!old) return;
      const renewed = event.newSubscription || (await self.registration.pushManager.subscribe(old.options));
      await fetch("/api/push/renewal", {
        method: "POST",
        credentials: "same-origin",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ...renewed.toJSON(), replaces: old.endpoint }),
      });
    })(),
  );
});
