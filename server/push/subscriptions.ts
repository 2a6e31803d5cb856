// The browsers that asked for pushes: each subscription's endpoint (the push service's URL for that
// browser), the keys its pushes are encrypted with, the person who subscribed, if signed in, and
// from which address; when a push to it last worked, and how many failed in a row since. A browser
// follows one or more telegraphs (issue 16), each with the positions it muted there: one row per
// browser, one per telegraph it follows, so the limits count browsers however many they follow.
import type { Store } from "../store/store";

export interface Subscription {
  endpoint: string;
  /** The browser's P-256 public key and auth secret, base64url (RFC 8291). */
  p256dh: string;
  auth: string;
  /** Who subscribed, when signed in; their subscriptions go when they are removed. */
  personId: number | null;
}

/** A telegraph a browser follows, by slug, and the positions (by name) not to push to it there: its person chose not to be notified of them. */
export interface Follow {
  telegraph: string;
  muted: string[];
}

/** A subscription as stored, for sending one telegraph's order. */
export interface Stored extends Subscription {
  /** Muted on that telegraph. */
  muted: string[];
  /** Its last push went through: it is neither new nor failing (and so not perhaps hanging). */
  works: boolean;
}

/** At most this many browsers are kept: each new order is one request per browser following its telegraph. */
export const MAX_SUBSCRIPTIONS = 10_000;
/**
 * At most this many browsers per person, and per address for those made without signing in, so that
 * one visitor cannot fill the store with endpoints that fail. Signed-in people are counted as people,
 * not by address: a lab behind one NAT shares an address. Following another telegraph is no new browser.
 */
export const MAX_PER_SUBSCRIBER = 20;
/** Pushes to a subscription that fail this many times in a row (across orders and telegraphs) remove it. */
export const MAX_FAILURES = 5;

/** Why a subscription was not added: the store is full, or its subscriber has the most they may. */
export type Refusal = "full" | "subscriber";

export interface Subscriptions {
  /** Adds or renews (same endpoint: new keys, new person, this address) a browser, following `follow` (its muted positions replaced), or says why not. */
  add(subscription: Subscription, follow: Follow, address: string): Refusal | undefined;
  /** Gives what `old` followed to the browser's new subscription (its push service replaced it); false if `old` is unknown. */
  renew(old: string, subscription: Omit<Subscription, "personId">): boolean;
  /** The browser no longer follows `telegraph` (it goes with the last it followed); how many it follows still. */
  unfollow(endpoint: string, telegraph: string): { removed: boolean; following: number };
  /** Removes the browser, whatever it follows; true if it was there. */
  remove(endpoint: string): boolean;
  /**
   * The browsers following `telegraph`; with `signedInOnly`, those of people only (when anonymous may
   * not see). Those that worked most lately come first, those that never worked last.
   */
  following(telegraph: string, signedInOnly: boolean): Stored[];
  /** A push went through: its failures are forgotten. */
  ok(endpoint: string): void;
  /** A push failed; true when that made MAX_FAILURES in a row and the subscription was removed. */
  failed(endpoint: string): boolean;
  /** Browsers kept. */
  count(): number;
}

export function subscriptions(store: Store): Subscriptions {
  const upsert = store.prepare(
    `INSERT INTO push_subscriptions (endpoint, p256dh, auth, person_id, created_at, address) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (endpoint) DO UPDATE SET p256dh = excluded.p256dh, auth = excluded.auth, person_id = excluded.person_id, address = excluded.address`,
  );
  const follow = store.prepare(
    "INSERT INTO push_follows (endpoint, telegraph, muted) VALUES (?, ?, ?) ON CONFLICT (endpoint, telegraph) DO UPDATE SET muted = excluded.muted",
  );
  // Renewing one's own subscription is never refused: the endpoint itself is not counted. Its
  // failures stay: subscribing again does not keep an endpoint that fails alive.
  const byPerson = store.prepare("SELECT count(*) FROM push_subscriptions WHERE person_id = ? AND endpoint != ?").pluck();
  const byAddress = store.prepare("SELECT count(*) FROM push_subscriptions WHERE address = ? AND person_id IS NULL AND endpoint != ?").pluck();
  const row = store.prepare<[string], { personId: number | null; address: string | null }>(
    "SELECT person_id AS personId, address FROM push_subscriptions WHERE endpoint = ?",
  );
  const count = store.prepare("SELECT count(*) FROM push_subscriptions").pluck();
  const remove = store.prepare("DELETE FROM push_subscriptions WHERE endpoint = ?");
  const unfollow = store.prepare("DELETE FROM push_follows WHERE endpoint = ? AND telegraph = ?");
  const follows = store.prepare("SELECT count(*) FROM push_follows WHERE endpoint = ?").pluck();
  const carry = store.prepare(
    "INSERT OR IGNORE INTO push_follows (endpoint, telegraph, muted) SELECT ?, telegraph, muted FROM push_follows WHERE endpoint = ?",
  );
  const select = (where: string) =>
    store.prepare<[string], Omit<Stored, "muted" | "works"> & { muted: string; works: number }>(
      `SELECT s.endpoint, p256dh, auth, person_id AS personId, f.muted, last_ok IS NOT NULL AND failures = 0 AS works
       FROM push_follows f JOIN push_subscriptions s ON s.endpoint = f.endpoint
       WHERE f.telegraph = ? ${where}
         AND NOT EXISTS (SELECT 1 FROM telegraph_roles r WHERE r.person_id = s.person_id AND r.telegraph = f.telegraph AND r.role = 'none')
       ORDER BY last_ok IS NULL, last_ok DESC, created_at`,
    );
  const everyone = select("");
  const people = select("AND person_id IS NOT NULL");
  const ok = store.prepare("UPDATE push_subscriptions SET last_ok = ?, failures = 0 WHERE endpoint = ?");
  const fail = store.prepare("UPDATE push_subscriptions SET failures = failures + 1 WHERE endpoint = ? RETURNING failures").pluck();
  const now = () => new Date().toISOString();
  const add = store.transaction((s: Subscription, { telegraph, muted }: Follow, address: string): Refusal | undefined => {
    if (!row.get(s.endpoint) && (count.get() as number) >= MAX_SUBSCRIPTIONS) return "full";
    const mine = s.personId === null ? byAddress.get(address, s.endpoint) : byPerson.get(s.personId, s.endpoint);
    if ((mine as number) >= MAX_PER_SUBSCRIBER) return "subscriber";
    upsert.run(s.endpoint, s.p256dh, s.auth, s.personId, now(), address);
    follow.run(s.endpoint, telegraph, JSON.stringify(muted));
    return undefined;
  });
  // One browser for another: the person and address stay, the count of browsers too.
  const renew = store.transaction((old: string, s: Omit<Subscription, "personId">): boolean => {
    const was = row.get(old);
    if (!was) return false;
    upsert.run(s.endpoint, s.p256dh, s.auth, was.personId, now(), was.address);
    if (old !== s.endpoint) {
      carry.run(s.endpoint, old);
      remove.run(old);
    }
    return true;
  });
  const unfollowed = store.transaction((endpoint: string, telegraph: string) => {
    const removed = unfollow.run(endpoint, telegraph).changes > 0;
    const following = follows.get(endpoint) as number;
    if (!following) remove.run(endpoint);
    return { removed, following };
  });
  const failed = store.transaction((endpoint: string): boolean => {
    const failures = fail.get(endpoint) as number | undefined;
    return failures !== undefined && failures >= MAX_FAILURES && remove.run(endpoint).changes > 0;
  });
  return {
    add,
    renew,
    unfollow: unfollowed,
    remove: (endpoint) => remove.run(endpoint).changes > 0,
    following: (telegraph, signedInOnly) =>
      (signedInOnly ? people : everyone).all(telegraph).map((r) => ({ ...r, muted: JSON.parse(r.muted) as string[], works: r.works === 1 })),
    ok: (endpoint) => void ok.run(now(), endpoint),
    failed,
    count: () => count.get() as number,
  };
}
