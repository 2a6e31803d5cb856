// Web Push and an order's notification (docs/protocol.md#web-push): what a browser subscribes
// with, what a push carries, and how the notification looks, for the server, the panel and the
// service worker alike.
import { z } from "zod";
import { FacePosition, type Order } from "./protocol";

/** A base64url string of exactly `bytes` bytes; kept without padding. */
const base64url = (bytes: number) =>
  z
    .string()
    .max(200, "too long")
    .regex(new RegExp(`^[A-Za-z0-9_-]{${Math.ceil((bytes * 4) / 3)}}={0,2}$`), `must be ${bytes} bytes in base64url`)
    .transform((s) => s.replace(/=+$/, ""));

/** A push service's URL for one browser: the browser's PushSubscription.endpoint. */
export const PushEndpoint = z.string().min(1, "empty").max(2048, "at most 2048 characters");

/**
 * POST /api/push/subscriptions: a browser's PushSubscription.toJSON(). Not strict: browsers may add
 * fields, which are dropped.
 */
export const PushSubscribe = z.object({
  endpoint: PushEndpoint,
  expirationTime: z.number().nullable().optional(),
  keys: z.object({
    /** The browser's P-256 public key, uncompressed (65 bytes). */
    p256dh: base64url(65).refine((s) => s.startsWith("B"), "must be an uncompressed P-256 point"),
    /** The browser's authentication secret (16 bytes). */
    auth: base64url(16),
  }),
  /** Positions (by name) this browser chose not to be notified of: they are not pushed to it. */
  muted: z.array(FacePosition.shape.name).max(32).optional(),
});
export type PushSubscribe = z.infer<typeof PushSubscribe>;

/** DELETE /api/push/subscriptions (the browser) and /api/telegraphs/<slug>/push/subscriptions (that telegraph). */
export const PushUnsubscribe = z.object({ endpoint: PushEndpoint });

/** POST /api/push/renewal: the browser's new subscription (its push service replaced `replaces`) follows what the old one did. */
export const PushRenew = PushSubscribe.omit({ muted: true }).extend({ replaces: PushEndpoint });

/**
 * Which telegraph an order is of, as its push says (issue 16): `slug` unless it is the default
 * telegraph (whose panel is at /), `title` when the server has several telegraphs to tell apart.
 */
export interface PushedTelegraph {
  slug?: string;
  title?: string;
}

/** What each push carries (encrypted): the new order, and whose it is. */
export interface PushOrder extends PushedTelegraph {
  seq: number;
  position: number;
  label: string;
  /** ISO time the server took the order. */
  at: string;
  by?: string;
}

/** The push of an order: its fields and no more (the label, so a notification can say it), and its telegraph. */
export function pushOrderOf({ seq, position, label, at, by }: Order, { slug, title }: PushedTelegraph = {}): PushOrder {
  return { seq, position, label, at, ...(by ? { by } : {}), ...(slug ? { slug } : {}), ...(title ? { title } : {}) };
}

// ---- An order's notification, shown by a hidden panel (components/useNotify.ts) or the service
// worker on a push (public/sw.js, plain JS: components/serviceWorker.test.ts holds it to these) ----

/**
 * What every order's notification has. One tag per telegraph (orderNotification): a newer order's
 * notification replaces the one before, and alerts again; another telegraph's stays beside it.
 */
export const ORDER_NOTIFICATION = {
  tag: "chadburn-order",
  renotify: true,
  /** An order waits for an answer (its notification goes once answered, or the panel is looked at). */
  requireInteraction: true,
  // PNGs: not every platform draws an SVG in a notification (public/icons, scripts/icons.mjs).
  icon: "/icons/icon-192.png",
  badge: "/icons/badge-96.png",
} as const;

/** How an order vibrates a device, unless it is muted there. */
export const ORDER_VIBRATION = [200, 100, 200];

/** The notification's button that answers the order without opening the panel (the service worker posts the answer). */
export const ANSWER_ACTION = { action: "answer", title: "Answer" } as const;

/**
 * The Web Lock (one per origin, shared by the panel's pages and the service worker) held around
 * each look at the notifications shown and what follows from it (show one, close them). Without it
 * a panel and a push showing the same order at once each find none and alert twice; and Chromium's
 * getNotifications() deletes, for good, a notification the platform does not list as displayed yet,
 * so a look while another is being shown loses it (it can then be neither closed nor answered).
 */
export const NOTIFICATIONS_LOCK = "chadburn.notifications";

/** A notification's data: the order as pushed, and the page a tap opens. */
export type NotificationData = PushOrder & { url: string };

/**
 * Whether a notification on screen (its data) makes `order` no news: it shows that order, or one
 * given after it. A tag shows one order, and a push or a hidden panel can come late: the older
 * order must not replace the newer. By time, not seq: a new store counts seqs from 1 again.
 */
export function alreadyTold(data: Partial<NotificationData> | null | undefined, order: Pick<PushOrder, "seq" | "at">): boolean {
  if (!data) return false;
  return data.seq === order.seq || Date.parse(data.at ?? "") > Date.parse(order.at);
}

/**
 * Where an order's notification belongs: its tag (the default telegraph's is ORDER_NOTIFICATION's,
 * as before issue 16), the page a tap opens, and where its "Answer" posts.
 */
export function orderNotification({ slug, seq }: Pick<PushOrder, "slug" | "seq">): { tag: string; url: string; answer: string } {
  return slug
    ? { tag: orderTag(slug), url: `/t/${slug}?order=${seq}`, answer: `/api/telegraphs/${slug}/answer` }
    : { tag: orderTag(slug), url: `/?order=${seq}`, answer: "/api/answer" };
}

/** The tag of a telegraph's order notifications (no slug: the default telegraph's). */
export const orderTag = (slug?: string) => (slug ? `${ORDER_NOTIFICATION.tag}:${slug}` : ORDER_NOTIFICATION.tag);
