// The push routes: the VAPID public key a browser subscribes with, and subscribing and
// unsubscribing. Whoever may see the panel may have its orders pushed to them.
import { ECDH } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { RateLimiterMemory } from "rate-limiter-flexible";
import { PushSubscribe, PushUnsubscribe } from "../../lib/protocol";
import type { Guard, Routes } from "../gateway/http";
import { HttpError, readJson, send } from "../gateway/respond";
import type { Push } from "./send";
import { MAX_PER_SUBSCRIBER } from "./subscriptions";

/** Subscriptions and unsubscriptions one address may make in a minute. */
export const SUBSCRIPTIONS_PER_MINUTE = 20;

/** Whether a base64url string is a point on P-256 (else no push could ever be encrypted for it). */
function onCurve(p256dh: string): boolean {
  try {
    ECDH.convertKey(Buffer.from(p256dh, "base64url"), "prime256v1");
    return true;
  } catch {
    return false;
  }
}

export function pushRoutes(guard: Guard, push: Push): Routes {
  const limiter = new RateLimiterMemory({ points: SUBSCRIPTIONS_PER_MINUTE, duration: 60 });
  async function throttle(req: IncomingMessage) {
    try {
      await limiter.consume(guard.address(req));
    } catch {
      throw new HttpError(429, `too many subscription changes from this address: at most ${SUBSCRIPTIONS_PER_MINUTE} a minute`, { "retry-after": "60" });
    }
  }

  return {
    "/api/push/key": {
      GET: (req, res) => {
        guard.allowed(req, "see");
        send(res, 200, { publicKey: push.publicKey });
      },
    },
    "/api/push/subscriptions": {
      POST: async (req, res) => {
        guard.sameOrigin(req);
        const identity = guard.allowed(req, "see");
        await throttle(req);
        const { endpoint, keys, muted = [] } = await readJson(req, PushSubscribe);
        const refused = push.refusal(endpoint);
        if (refused) throw new HttpError(400, refused);
        if (!onCurve(keys.p256dh)) throw new HttpError(400, "keys.p256dh: not a point on P-256");
        const personId = identity.personId ?? null;
        const refusal = push.subscriptions.add({ endpoint, p256dh: keys.p256dh, auth: keys.auth, personId, muted }, guard.address(req));
        if (refusal === "full") throw new HttpError(503, "this server keeps no more push subscriptions (the limit is reached)");
        if (refusal === "subscriber") {
          // Waiting does not help (not 429): only unsubscribing a browser, or a failing one being dropped.
          const why = personId === null
            ? `this address has ${MAX_PER_SUBSCRIBER} push subscriptions already, the most allowed without signing in: sign in, or`
            : `you have ${MAX_PER_SUBSCRIBER} push subscriptions already, the most allowed:`;
          throw new HttpError(409, `${why} turn notifications off on a browser you no longer use`);
        }
        send(res, 201, { endpoint });
      },
      /** The endpoint is the browser's own secret address at its push service: knowing it is enough. */
      DELETE: async (req, res) => {
        guard.sameOrigin(req);
        await throttle(req);
        const { endpoint } = await readJson(req, PushUnsubscribe);
        send(res, 200, { removed: push.subscriptions.remove(endpoint) });
      },
    },
  };
}
