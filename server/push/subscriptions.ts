// The browsers that asked for pushes: each subscription's endpoint (the push service's URL for that
// browser), the keys its pushes are encrypted with, and the person who subscribed, if signed in.
import type { Store } from "../store/store";

export interface Subscription {
  endpoint: string;
  /** The browser's P-256 public key and auth secret, base64url (RFC 8291). */
  p256dh: string;
  auth: string;
  /** Who subscribed, when signed in; their subscriptions go when they are removed. */
  personId: number | null;
  /** Positions (by name) not to push to this browser: its person chose not to be notified of them. */
  muted: string[];
}

/** At most this many subscriptions are kept: each new order is one request per subscription. */
export const MAX_SUBSCRIPTIONS = 10_000;

export interface Subscriptions {
  /** Adds or renews (same endpoint: new keys, new person). False when the store is full. */
  add(subscription: Subscription): boolean;
  /** Removes it; true if it was there. */
  remove(endpoint: string): boolean;
  /** Every subscription; with `signedInOnly`, those of people only (when anonymous may not see). */
  all(signedInOnly: boolean): Subscription[];
  /** A push went through. */
  ok(endpoint: string): void;
  count(): number;
}

export function subscriptions(store: Store): Subscriptions {
  const upsert = store.prepare(
    `INSERT INTO push_subscriptions (endpoint, p256dh, auth, person_id, muted, created_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (endpoint) DO UPDATE SET p256dh = excluded.p256dh, auth = excluded.auth, person_id = excluded.person_id, muted = excluded.muted`,
  );
  const has = store.prepare("SELECT 1 FROM push_subscriptions WHERE endpoint = ?").pluck();
  const count = store.prepare("SELECT count(*) FROM push_subscriptions").pluck();
  const remove = store.prepare("DELETE FROM push_subscriptions WHERE endpoint = ?");
  const select = (where: string) =>
    store.prepare<[], Omit<Subscription, "muted"> & { muted: string }>(`SELECT endpoint, p256dh, auth, person_id AS personId, muted FROM push_subscriptions ${where} ORDER BY created_at`);
  const everyone = select("");
  const people = select("WHERE person_id IS NOT NULL");
  const ok = store.prepare("UPDATE push_subscriptions SET last_ok = ? WHERE endpoint = ?");
  const add = store.transaction((s: Subscription): boolean => {
    if (!has.get(s.endpoint) && (count.get() as number) >= MAX_SUBSCRIPTIONS) return false;
    upsert.run(s.endpoint, s.p256dh, s.auth, s.personId, JSON.stringify(s.muted), new Date().toISOString());
    return true;
  });
  return {
    add,
    remove: (endpoint) => remove.run(endpoint).changes > 0,
    all: (signedInOnly) => (signedInOnly ? people : everyone).all().map((row) => ({ ...row, muted: JSON.parse(row.muted) as string[] })),
    ok: (endpoint) => void ok.run(new Date().toISOString(), endpoint),
    count: () => count.get() as number,
  };
}
