// Web Push (RFC 8030, encrypted per RFC 8291, signed with VAPID per RFC 8292): every new order of a
// telegraph goes to every subscription that follows it, so it reaches a closed tab or a phone's lock
// screen. It runs after the socket broadcast and apart from it: a slow, hung or failing push service
// never delays a panel. Pushes go out concurrently but at most `concurrency` at a time, each with a deadline, retried
// with backoff when the push service is busy or away, and dropped for good when it says the
// subscription is gone (404, 410) or after MAX_FAILURES failed pushes in a row. Subscriptions that
// work go first and never wait for the others: endpoints that hang can delay only each other.
import http from "node:http";
import https from "node:https";
import webPush from "web-push";
import { type Order } from "../../lib/protocol";
import { type PushOrder, type PushedTelegraph, pushOrderOf } from "../../lib/push";
import type { Logger } from "../log";
import type { Store } from "../store/store";
import { endpointRefusal, publicLookup } from "./endpoint";
import { MAX_FAILURES, type Stored, type Subscription, type Subscriptions, subscriptions } from "./subscriptions";
import { type Vapid, loadVapid } from "./vapid";

export interface PushSettings {
  /**
   * Lets endpoints be http:// and on loopback or private addresses. For the test suite's own push
   * service only: with it on, anyone who may see the panel can make the server POST into its network.
   */
  insecureEndpoints?: boolean;
  /** A push that has not been answered within this is abandoned (and retried). Default 5000. */
  timeoutMs?: number;
  /** Tries after the first, for 429, 5xx, timeouts and network errors. Default 2. */
  retries?: number;
  /** The first retry's wait; doubled for each next one (a Retry-After header wins, up to 60 s). Default 1000. */
  retryDelayMs?: number;
  /** Pushes in flight at once, at most. Default 50. */
  concurrency?: number;
  /** How long a push service keeps a push for a device that is offline, in seconds. Default 600. */
  ttlSeconds?: number;
}

export const PUSH_DEFAULTS: Required<PushSettings> = {
  insecureEndpoints: false,
  timeoutMs: 5000,
  retries: 2,
  retryDelayMs: 1000,
  concurrency: 50,
  ttlSeconds: 600,
};

/** A Retry-After longer than this is cut to it. */
const MAX_RETRY_AFTER_MS = 60_000;

/** A VAPID JWT is valid this long (RFC 8292 allows 24 hours)… */
const VAPID_VALID_SECONDS = 12 * 3600;
/** …and signed again after this, so one always has hours left. */
const VAPID_RESIGN_MS = 3600 * 1000;

export interface Push {
  /** The VAPID public key, base64url: a browser's applicationServerKey. */
  publicKey: string;
  subscriptions: Subscriptions;
  /** Why an endpoint will not be accepted, or undefined. */
  refusal(endpoint: string): string | undefined;
  /** A new order of the telegraph `slug` took effect: it goes to every subscription that follows it. Returns at once; the pushes go out after the broadcast. */
  notify(slug: string, order: Order): void;
  /** Abandons pushes in flight and retries waiting. */
  close(): Promise<void>;
}

export interface PushOptions {
  store: Store;
  dataDir: string;
  log: Logger;
  /** False with `--anonymous none`: subscriptions made without signing in then get nothing. */
  anonymousMaySee: boolean;
  /** How a telegraph's pushes name it (lib/push.ts PushedTelegraph): read at each order. */
  pushedAs: (slug: string) => PushedTelegraph;
  settings?: PushSettings;
}

type Outcome =
  | { kind: "ok" }
  | { kind: "gone"; status: number }
  | { kind: "retry"; why: string; afterMs?: number }
  | { kind: "failed"; why: string }
  | { kind: "refused"; why: string };

/**
 * Hands at most `max` slots out at once, in turn, but to subscriptions that work before the others
 * (new, or failing: perhaps hanging until the deadline), which may hold at most half of them. So
 * however many endpoints hang, pushes to those that work find a slot at once.
 */
function limiter(max: number) {
  const untrusted = Math.max(1, Math.floor(max / 2));
  let active = 0;
  let doubtful = 0;
  const waiting = { works: [] as (() => void)[], doubtful: [] as (() => void)[] };
  const free = (works: boolean) => active < max && (works || doubtful < untrusted);
  const take = (works: boolean) => {
    active++;
    if (!works) doubtful++;
  };
  /** Gives freed slots to those waiting: those that work first. */
  function handOn() {
    for (;;) {
      const works = waiting.works.length > 0;
      const queue = works ? waiting.works : waiting.doubtful;
      if (!queue.length || !free(works)) return;
      take(works);
      queue.shift()!();
    }
  }
  return async <T>(works: boolean, task: () => Promise<T>): Promise<T> => {
    if (free(works)) take(works);
    else await new Promise<void>((resolve) => (works ? waiting.works : waiting.doubtful).push(resolve));
    try {
      return await task();
    } finally {
      active--;
      if (!works) doubtful--;
      handOn();
    }
  };
}

/** Where an endpoint is, for the log: its origin only (the path is the browser's address there). */
const where = (endpoint: string) => {
  try {
    return new URL(endpoint).origin;
  } catch {
    return "an invalid endpoint";
  }
};

/** A Retry-After header (seconds or an HTTP date) in ms, if there is a usable one. */
function retryAfter(header: string | undefined): number | undefined {
  if (!header) return undefined;
  const ms = /^\d+$/.test(header.trim()) ? Number(header) * 1000 : Date.parse(header) - Date.now();
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS) : undefined;
}

export function createPush({ store, dataDir, log, anonymousMaySee, pushedAs, settings = {} }: PushOptions): Push {
  const options = { ...PUSH_DEFAULTS, ...Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)) } as Required<PushSettings>;
  const vapid: Vapid = loadVapid(dataDir);
  const saved = subscriptions(store);
  const slot = limiter(options.concurrency);
  // Keep-alive: a round of pushes to one push service (most go to FCM) reuses its connections.
  const agents = {
    "http:": new http.Agent({ keepAlive: true, maxSockets: options.concurrency }),
    "https:": new https.Agent({ keepAlive: true, maxSockets: options.concurrency }),
  };
  const inFlight = new Set<http.ClientRequest>();
  const waits = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  const rounds = new Set<Promise<void>>();
  /** Subscriptions whose failure is logged already: said once, again only after one works. */
  const failing = new Set<string>();
  /** Each telegraph's newest order: a push of an older one still waiting is not sent. */
  const latest = new Map<string, number>();
  let closed = false;

  /** One POST to the push service; resolves with its status, rejects on a network error or the deadline. */
  function post(
    endpoint: URL,
    details: { method: string; headers: Record<string, string>; body: Buffer },
  ): Promise<{ status: number; retryAfter?: string; text: string }> {
    return new Promise((resolve, reject) => {
      const secure = endpoint.protocol === "https:";
      const request = (secure ? https : http).request(endpoint, {
        method: details.method,
        headers: details.headers,
        agent: agents[secure ? "https:" : "http:"],
        // Every connection checks what the name resolves to now, not only what it was at subscribe time.
        lookup: options.insecureEndpoints ? undefined : (publicLookup as never),
      });
      inFlight.add(request);
      const timer = setTimeout(() => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
      const done = () => {
        clearTimeout(timer);
        inFlight.delete(request);
      };
      request.on("response", (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          if (text.length < 200) text += chunk; // enough to say why in the log; the rest is drained
        });
        response.on("end", () => {
          done();
          resolve({ status: response.statusCode ?? 0, retryAfter: response.headers["retry-after"], text: text.slice(0, 200).trim() });
        });
        response.on("error", (error) => {
          done();
          reject(error);
        });
      });
      request.on("error", (error) => {
        done();
        reject(error);
      });
      request.end(details.body);
    });
  }

  /**
   * The VAPID Authorization for a push service (the JWT names its origin), signed once an hour and
   * valid for 12: most subscriptions share a few services (FCM, Mozilla, Apple), and signing for
   * each push would cost as much as encrypting it.
   */
  const signed = new Map<string, { authorization: string; until: number }>();
  function authorization(audience: string): string {
    const now = Date.now();
    const cached = signed.get(audience);
    if (cached && cached.until > now) return cached.authorization;
    const expiration = Math.floor(now / 1000) + VAPID_VALID_SECONDS;
    const { Authorization } = webPush.getVapidHeaders(audience, vapid.subject, vapid.publicKey, vapid.privateKey, "aes128gcm", expiration);
    if (signed.size >= 100) signed.clear(); // a bound; the cache only ever holds a few services
    signed.set(audience, { authorization: Authorization, until: now + VAPID_RESIGN_MS });
    return Authorization;
  }

  /** The request for one push (RFC 8030 §5): the payload encrypted for this subscription (RFC 8291). */
  function pushRequest(subscription: Subscription, endpoint: URL, payload: string, slug: string) {
    const { cipherText } = webPush.encrypt(subscription.p256dh, subscription.auth, payload, "aes128gcm");
    return {
      method: "POST",
      headers: {
        TTL: String(options.ttlSeconds),
        Urgency: "high",
        // Push services keep only the latest undelivered push of a topic for a device: a phone that was
        // offline gets each telegraph's current order, not every one it missed. A slug is a valid topic
        // (RFC 8030: at most 32 characters of base64url's alphabet).
        Topic: slug,
        "Content-Type": "application/octet-stream",
        "Content-Encoding": "aes128gcm",
        "Content-Length": String(cipherText.length),
        Authorization: authorization(endpoint.origin),
      },
      body: cipherText,
    };
  }

  /**
   * Encrypting costs about a millisecond a push: one at a time, each in a turn of the event loop of
   * its own, so a round's first `concurrency` pushes never hold the next broadcast up together.
   */
  let turn = Promise.resolve();
  function nextTurn(): Promise<void> {
    turn = turn.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
    return turn;
  }

  async function attempt(subscription: Subscription, payload: string, slug: string): Promise<Outcome> {
    // Stored before a rule was tightened, or by hand: it never will be sent to.
    const refused = endpointRefusal(subscription.endpoint, options.insecureEndpoints);
    if (refused) return { kind: "refused", why: refused };
    await nextTurn();
    if (closed) return { kind: "ok" }; // not sent, and nothing to note
    const endpoint = new URL(subscription.endpoint);
    let details: ReturnType<typeof pushRequest>;
    try {
      details = pushRequest(subscription, endpoint, payload, slug);
    } catch (error) {
      return { kind: "failed", why: `could not encrypt or sign it: ${(error as Error).message}` };
    }
    try {
      const { status, retryAfter: after, text } = await post(endpoint, details);
      if (status >= 200 && status < 300) return { kind: "ok" };
      if (status === 404 || status === 410) return { kind: "gone", status };
      const why = `${status}${text ? ` ${text}` : ""}`;
      if (status === 429 || status >= 500) return { kind: "retry", why, afterMs: retryAfter(after) };
      return { kind: "failed", why };
    } catch (error) {
      return { kind: "retry", why: (error as Error).message };
    }
  }

  /** Waits `ms`, or less if the push is closed meanwhile. */
  function wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = { timer: setTimeout(() => (waits.delete(entry), resolve()), ms), resolve };
      waits.add(entry);
    });
  }

  /** Removes a subscription, and says why. */
  function drop(endpoint: string, why: string) {
    saved.remove(endpoint);
    failing.delete(endpoint);
    log.info(`push: the subscription at ${where(endpoint)} ${why}: removed`);
  }

  /** A push that failed, after its tries: MAX_FAILURES in a row remove the subscription. */
  function failed(endpoint: string) {
    if (saved.failed(endpoint)) {
      failing.delete(endpoint);
      log.info(`push: the subscription at ${where(endpoint)} failed ${MAX_FAILURES} times in a row: removed`);
    }
  }

  /** One subscription's push of one order of the telegraph `slug`: tries, retries, and settles what the store keeps. */
  async function deliver(subscription: Stored, slug: string, order: number, payload: string): Promise<void> {
    for (let tried = 0; ; tried++) {
      // After a failed try it is no longer one that works: its retries wait with the doubtful.
      const outcome = await slot(subscription.works && tried === 0, () =>
        closed || order < (latest.get(slug) ?? 0) ? Promise.resolve(null) : attempt(subscription, payload, slug),
      );
      if (closed) return;
      if (!outcome) {
        // A newer order came meanwhile (this one would only be replaced by it): not sent. A try
        // that failed before still counts, else an endpoint that hangs on every order would stay.
        if (tried > 0) failed(subscription.endpoint);
        return;
      }
      const at = where(subscription.endpoint);
      if (outcome.kind === "ok") {
        saved.ok(subscription.endpoint);
        if (failing.delete(subscription.endpoint)) log.info(`push to ${at} works again`);
        return;
      }
      if (outcome.kind === "gone") return drop(subscription.endpoint, `is gone (${outcome.status})`);
      if (outcome.kind === "refused") return drop(subscription.endpoint, `is refused (${outcome.why})`);
      if (outcome.kind === "retry" && tried < options.retries) {
        await wait(outcome.afterMs ?? options.retryDelayMs * 2 ** tried);
        continue;
      }
      if (!failing.has(subscription.endpoint)) {
        failing.add(subscription.endpoint);
        const tries = tried + 1;
        log.warn(
          `push of order #${order} to ${at} failed${tries > 1 ? ` (${tries} tries)` : ""}: ` +
            `${outcome.why}; not logged again for this subscription until a push to it works`,
        );
      }
      return failed(subscription.endpoint);
    }
  }

  function round(slug: string, order: PushOrder, name: string): void {
    const payload = JSON.stringify(order);
    const all = saved.following(slug, !anonymousMaySee).filter((subscription) => !subscription.muted.includes(name));
    if (!all.length) return;
    const done = Promise.all(all.map((subscription) => deliver(subscription, slug, order.seq, payload)))
      .then(() => {})
      .catch((error: Error) => log.error(`push of order #${order.seq}: ${error.message}`))
      .finally(() => rounds.delete(done));
    rounds.add(done);
  }

  return {
    publicKey: vapid.publicKey,
    subscriptions: saved,
    refusal: (endpoint) => endpointRefusal(endpoint, options.insecureEndpoints),
    notify(slug, order) {
      if (closed) return;
      latest.set(slug, order.seq);
      // After the broadcast has gone: reading the subscriptions and encrypting wait for the next turn.
      setImmediate(() => !closed && round(slug, pushOrderOf(order, pushedAs(slug)), order.name));
    },
    async close() {
      closed = true;
      for (const entry of waits) {
        clearTimeout(entry.timer);
        entry.resolve();
      }
      waits.clear();
      for (const request of inFlight) request.destroy(new Error("the server is closing"));
      await Promise.all(rounds);
      agents["http:"].destroy();
      agents["https:"].destroy();
    },
  };
}
