// The browsers that asked for pushes: each subscription's endpoint (the push service's URL for that
// browser), the keys its pushes are encrypted with, the person who subscribed, if signed in, and
// from which address; when a push to it last worked, and how many failed in a row since.
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

/** A subscription as stored, for sending. */
export interface Stored extends Subscription {
  /** Its last push went through: it is neither new nor failing (and so not perhaps hanging). */
  works: boolean;
}

/** At most this many subscriptions are kept: each new order is one request per subscription. */
export const MAX_SUBSCRIPTIONS = 10_000;
/**
 * At most this many per person, and per address for those made without signing in, so that one
 * visitor cannot fill the store with endpoints that fail. Signed-in people are counted as people,
 * not by address: a lab behind one NAT shares an address.
 */
export const MAX_PER_SUBSCRIBER = 20;
/** Pushes to a subscription that fail this many times in a row (across orders) remove it. */
export const MAX_FAILURES = 5;

/** Why a subscription was not added: the store is full, or its subscriber has the most they may. */
export type Refusal = "full" | "subscriber";

export interface Subscriptions {
  /** Adds or renews (same endpoint: new keys, new person, this address), or says why not. */
  add(subscription: Subscription, address: string): Refusal | undefined;
  /** Removes it; true if it was there. */
  remove(endpoint: string): boolean;
  /**
   * Every subscription; with `signedInOnly`, those of people only (when anonymous may not see).
   * Those that worked most lately come first, those that never worked last.
   */
  all(signedInOnly: boolean): Stored[];
  /** A push went through: its failures are forgotten. */
  ok(endpoint: string): void;
  /** A push failed; true when that made MAX_FAILURES in a row and the subscription was removed. */
  failed(endpoint: string): boolean;
  count(): number;
}

export function subscriptions(store: Store): Subscriptions {
  const upsert = store.prepare(
    `INSERT INTO push_subscriptions (endpoint, p256dh, auth, person_id, muted, created_at, address) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (endpoint) DO UPDATE SET p256dh = excluded.p256dh, auth = excluded.auth, person_id = excluded.person_id,
       muted = excluded.muted, address = excluded.address`,
  );
  // Renewing one's own subscription is never refused: the endpoint itself is not counted. Its
  // failures stay: subscribing again does not keep an endpoint that fails alive.
  const byPerson = store.prepare("SELECT count(*) FROM push_subscriptions WHERE person_id = ? AND endpoint != ?").pluck();
  const byAddress = store.prepare("SELECT count(*) FROM push_subscriptions WHERE address = ? AND person_id IS NULL AND endpoint != ?").pluck();
  const has = store.prepare("SELECT 1 FROM push_subscriptions WHERE endpoint = ?").pluck();
  const count = store.prepare("SELECT count(*) FROM push_subscriptions").pluck();
  const remove = store.prepare("DELETE FROM push_subscriptions WHERE endpoint = ?");
  const select = (where: string) =>
    store.prepare<[], Omit<Subscription, "muted"> & { muted: string; works: number }>(
      `SELECT endpoint, p256dh, auth, person_id AS personId, muted, last_ok IS NOT NULL AND failures = 0 AS works
       FROM push_subscriptions ${where} ORDER BY last_ok IS NULL, last_ok DESC, created_at`,
    );
  const everyone = select("");
  const people = select("WHERE person_id IS NOT NULL");
  const ok = store.prepare("UPDATE push_subscriptions SET last_ok = ?, failures = 0 WHERE endpoint = ?");
  const fail = store.prepare("UPDATE push_subscriptions SET failures = failures + 1 WHERE endpoint = ? RETURNING failures").pluck();
  const add = store.transaction((s: Subscription, address: string): Refusal | undefined => {
    if (!has.get(s.endpoint) && (count.get() as number) >= MAX_SUBSCRIPTIONS) return "full";
    const mine = s.personId === null ? byAddress.get(address, s.endpoint) : byPerson.get(s.personId, s.endpoint);
    if ((mine as number) >= MAX_PER_SUBSCRIBER) return "subscriber";
    upsert.run(s.endpoint, s.p256dh, s.auth, s.personId, JSON.stringify(s.muted), new Date().toISOString(), address);
    return undefined;
  });
  const failed = store.transaction((endpoint: string): boolean => {
    const failures = fail.get(endpoint) as number | undefined;
    return failures !== undefined && failures >= MAX_FAILURES && remove.run(endpoint).changes > 0;
  });
  return {
    add,
    remove: (endpoint) => remove.run(endpoint).changes > 0,
    all: (signedInOnly) =>
      (signedInOnly ? people : everyone).all().map((row) => ({ ...row, muted: JSON.parse(row.muted) as string[], works: row.works === 1 })),
    ok: (endpoint) => void ok.run(new Date().toISOString(), endpoint),
    failed,
    count: () => count.get() as number,
  };
}
