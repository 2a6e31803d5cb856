// Web Push from the panel's side: registering the service worker (public/sw.js), and subscribing
// this browser so every new order reaches it even with the panel closed (a phone's lock screen).
// The functions work on their own (call `subscribe` from a click: browsers ask for permission only
// on a user's gesture); `usePush` keeps their state for a component. The browser has one push
// subscription, and follows with it the telegraphs whose panels subscribed (issue 16): each
// function takes the telegraph's slug, undefined for the default telegraph.
import { useCallback, useEffect, useState, useSyncExternalStore } from "react";
import type { PushSubscribe } from "../lib/push";
import { api } from "./api";
import { PREFERENCES_KEY, readPreferences, storageKey } from "./usePreferences";

export const WORKER_URL = "/sw.js";
/** When this browser last told the server its subscription for a telegraph (storageKey): `{endpoint, at}`; none: it does not follow it. */
const TOLD_KEY = "chadburn.push.told";
/** A subscribed browser tells the server again at most this often (resync), to spare its limits. */
const RETELL_MS = 24 * 3600 * 1000;

/**
 * Whether this browser can have pushes here:
 * - "unsupported": no service workers or no Push API (iOS Safari outside a home-screen app, old browsers);
 * - "insecure": the page is plain HTTP on an address other than localhost (the server needs HTTPS);
 * - "denied": the person blocked notifications for this site (only the browser's settings undo it);
 * - "ready": it can subscribe (permission may still have to be asked).
 */
export type PushSupport = "unsupported" | "insecure" | "denied" | "ready";

export type PushResult = { ok: true } | { ok: false; error: string };

export function pushSupport(): PushSupport {
  if (typeof window === "undefined") return "unsupported";
  // Without a secure context, browsers hide navigator.serviceWorker and PushManager altogether.
  if (!window.isSecureContext) return "insecure";
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || typeof Notification === "undefined") return "unsupported";
  if (Notification.permission === "denied") return "denied";
  return "ready";
}

/** The person may allow or block notifications in the browser's own settings meanwhile. */
export function onPermissionChange(changed: () => void): () => void {
  let status: PermissionStatus | undefined;
  let gone = false;
  navigator.permissions
    ?.query({ name: "notifications" })
    .then((s) => {
      if (gone) return;
      status = s;
      status.onchange = changed;
    })
    .catch(() => {});
  return () => {
    gone = true;
    if (status) status.onchange = null;
  };
}

/**
 * Registers the service worker (once per page; again is harmless) and resolves with its
 * registration, or undefined where there are no service workers. The worker gives the offline
 * screen and installability as well as pushes, so every page registers it (ServiceWorker.tsx).
 */
export async function registerWorker(): Promise<ServiceWorkerRegistration | undefined> {
  if (typeof navigator === "undefined" || !("serviceWorker" in navigator) || !window.isSecureContext) return undefined;
  try {
    // updateViaCache "none": a new sw.js is picked up on the next load, whatever HTTP caches say.
    return await navigator.serviceWorker.register(WORKER_URL, { scope: "/", updateViaCache: "none" });
  } catch {
    return undefined;
  }
}

/** The server's VAPID public key as the bytes pushManager.subscribe wants. */
function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = base64url
    .replace(/-/g, "+")
    .replace(/_/g, "/")
    .padEnd(Math.ceil(base64url.length / 4) * 4, "=");
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

/** Whether a subscription was made with this key (a server whose keys changed needs a new one). */
function madeWith(subscription: PushSubscription, key: Uint8Array): boolean {
  const used = subscription.options.applicationServerKey;
  if (!used) return false;
  const bytes = new Uint8Array(used);
  return bytes.length === key.length && bytes.every((b, i) => b === key[i]);
}

/** The worker's registration once it is active. */
async function activeWorker(): Promise<ServiceWorkerRegistration | undefined> {
  if (!(await registerWorker())) return undefined;
  return navigator.serviceWorker.ready;
}

/** This browser's push subscription, if it has one. */
async function current(): Promise<PushSubscription | null> {
  if (pushSupport() === "unsupported" || pushSupport() === "insecure") return null;
  const registration = await navigator.serviceWorker.getRegistration();
  return (await registration?.pushManager.getSubscription().catch(() => null)) ?? null;
}

function told(slug?: string): { endpoint?: string; at?: number } {
  try {
    return JSON.parse(localStorage.getItem(storageKey(TOLD_KEY, slug)) ?? "{}");
  } catch {
    return {};
  }
}

/** The positions this person chose not to be notified of on the telegraph (usePreferences): not pushed either. */
function muted(slug?: string): string[] {
  let raw: string | null = null;
  try {
    raw = localStorage.getItem(storageKey(PREFERENCES_KEY, slug));
  } catch {} // no storage: nothing muted
  return Object.entries(readPreferences(raw).positions)
    .filter(([, choice]) => !choice.notify)
    .map(([name]) => name);
}

/** Tells the server where to push the telegraph's orders and what not to (again: it keeps one entry per browser and telegraph). */
async function tell(subscription: PushSubscription, slug?: string): Promise<PushResult> {
  const body: PushSubscribe = { ...(subscription.toJSON() as PushSubscribe), muted: muted(slug) };
  const saved = slug
    ? await api("POST /api/telegraphs/:slug/push/subscriptions", { params: { slug }, body })
    : await api("POST /api/push/subscriptions", { body });
  if (!saved.ok) return { ok: false, error: saved.error };
  try {
    localStorage.setItem(storageKey(TOLD_KEY, slug), JSON.stringify({ endpoint: subscription.endpoint, at: Date.now() }));
  } catch {} // no storage: told again next time
  return { ok: true };
}

/**
 * Subscribes with the server's key (again, if the browser's subscription was for another key), and
 * tells the server; with `lately`, not if it was told of this very subscription within a day.
 */
async function subscribeWith(registration: ServiceWorkerRegistration, slug: string | undefined, lately = false): Promise<PushResult> {
  const key = await api("GET /api/push/key");
  if (!key.ok) return { ok: false, error: key.error };
  const applicationServerKey = keyBytes(key.value.publicKey);
  let subscription = await registration.pushManager.getSubscription();
  if (subscription && !madeWith(subscription, applicationServerKey)) {
    await subscription.unsubscribe().catch(() => false);
    subscription = null;
  }
  try {
    subscription ??= await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey });
  } catch (error) {
    return { ok: false, error: `the browser could not subscribe: ${(error as Error).message}` };
  }
  const last = told(slug);
  if (lately && last.endpoint === subscription.endpoint && Date.now() - (last.at ?? 0) < RETELL_MS) return { ok: true };
  return tell(subscription, slug);
}

/**
 * Asks for permission (call it from a click or a key press), subscribes this browser and tells
 * the server. Resolves with why not, if not.
 */
export async function subscribe(slug?: string): Promise<PushResult> {
  const support = pushSupport();
  if (support === "insecure") return { ok: false, error: "notifications need the panel over HTTPS (or on localhost)" };
  if (support === "unsupported") return { ok: false, error: "this browser cannot receive pushes here" };
  // First, before any other await: the browser asks only while the gesture is fresh.
  const permission = Notification.permission === "granted" ? "granted" : await Notification.requestPermission();
  if (permission !== "granted")
    return {
      ok: false,
      error: permission === "denied" ? "notifications are blocked for this site in the browser's settings" : "notifications were not allowed",
    };
  const registration = await activeWorker();
  if (!registration) return { ok: false, error: "the service worker could not be registered" };
  return subscribeWith(registration, slug);
}

/**
 * Stops the telegraph's pushes to this browser; once it follows no telegraph, the browser drops
 * its subscription too.
 */
export async function unsubscribe(slug?: string): Promise<PushResult> {
  const subscription = await current();
  if (!subscription) return { ok: true };
  const body = { endpoint: subscription.endpoint };
  const left = slug
    ? await api("DELETE /api/telegraphs/:slug/push/subscriptions", { params: { slug }, body })
    : await api("DELETE /api/push/subscriptions", { body });
  if (!left.ok) return { ok: false, error: left.error };
  try {
    localStorage.removeItem(storageKey(TOLD_KEY, slug));
  } catch {}
  if (left.value.following === 0) await subscription.unsubscribe().catch(() => false);
  return { ok: true };
}

/** Whether this browser follows the telegraph (as far as it knows: it told the server so, with the subscription it has). */
export async function subscribed(slug?: string): Promise<boolean> {
  const subscription = await current();
  return subscription !== null && told(slug).endpoint === subscription.endpoint;
}

/**
 * Keeps the server's list right for a browser that follows the telegraph: tells it again once a day
 * (it may have dropped the entry, or the store is new), at once when the subscription is another
 * than the one told (the service worker renewed it), and subscribes again at once if the server's
 * key changed. No permission prompt: only when permission is granted already.
 */
export async function resync(slug?: string, { now = false } = {}): Promise<PushResult> {
  if (pushSupport() !== "ready" || Notification.permission !== "granted" || !told(slug).endpoint) return { ok: true };
  const registration = await navigator.serviceWorker.getRegistration();
  if (!registration || !(await registration.pushManager.getSubscription().catch(() => null))) return { ok: true };
  return subscribeWith(registration, slug, !now);
}

export interface PushState {
  support: PushSupport;
  /** This browser gets the orders pushed; null until known. */
  subscribed: boolean | null;
  /** A subscribe or unsubscribe is under way. */
  busy: boolean;
  /** Why the last one did not work. */
  error: string;
  /** From a click: asks for permission, subscribes. */
  subscribe(): Promise<PushResult>;
  unsubscribe(): Promise<PushResult>;
}

/** The push subscription's state for the telegraph's panel (`slug` undefined: the default's), checked (and re-told to the server) on mount. */
export function usePush(slug?: string): PushState {
  // Read again at every render too: after a subscription, say.
  const support = useSyncExternalStore(onPermissionChange, pushSupport, () => "unsupported" as const);
  const [isSubscribed, setSubscribed] = useState<boolean | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");

  useEffect(() => {
    let live = true;
    void (async () => {
      await resync(slug);
      const now = await subscribed(slug);
      if (live) setSubscribed(now);
    })();
    return () => {
      live = false;
    };
  }, [slug]);

  const run = useCallback(
    async (change: () => Promise<PushResult>) => {
      setBusy(true);
      setError("");
      const result = await change();
      setBusy(false);
      if (!result.ok) setError(result.error);
      setSubscribed(await subscribed(slug));
      return result;
    },
    [slug],
  );

  return {
    support,
    subscribed: isSubscribed,
    busy,
    error,
    subscribe: useCallback(() => run(() => subscribe(slug)), [run, slug]),
    unsubscribe: useCallback(() => run(() => unsubscribe(slug)), [run, slug]),
  };
}
