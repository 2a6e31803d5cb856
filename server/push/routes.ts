// The push routes: the VAPID public key a browser subscribes with, and subscribing and
// unsubscribing. Whoever may see the panel may have its orders pushed to them.
import { ECDH } from "node:crypto";
import { type Guard, HttpError, type Route, rateLimit, route } from "../gateway/routes";
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

export function pushRoutes(guard: Guard, push: Push): Route[] {
  const throttle = rateLimit(
    SUBSCRIPTIONS_PER_MINUTE,
    60,
    () =>
      new HttpError(429, `too many subscription changes from this address: at most ${SUBSCRIPTIONS_PER_MINUTE} a minute`, { "retry-after": "60" }),
  );

  return [
    route("GET /api/push/key", {
      admit: (req) => void guard.allowed(req, "see"),
      act: () => ({ publicKey: push.publicKey }),
    }),
    route("POST /api/push/subscriptions", {
      admit: async (req) => {
        guard.sameOrigin(req);
        const identity = guard.allowed(req, "see");
        await throttle(guard.address(req));
        return identity;
      },
      act: ({ req, admitted: identity, body: { endpoint, keys, muted = [] } }) => {
        const refused = push.refusal(endpoint);
        if (refused) throw new HttpError(400, refused);
        if (!onCurve(keys.p256dh)) throw new HttpError(400, "keys.p256dh: not a point on P-256");
        const personId = identity.personId ?? null;
        const refusal = push.subscriptions.add({ endpoint, p256dh: keys.p256dh, auth: keys.auth, personId, muted }, guard.address(req));
        if (refusal === "full") throw new HttpError(503, "this server keeps no more push subscriptions (the limit is reached)");
        if (refusal === "subscriber") {
          // Waiting does not help (not 429): only unsubscribing a browser, or a failing one being dropped.
          const why =
            personId === null
              ? `this address has ${MAX_PER_SUBSCRIBER} push subscriptions already, the most allowed without signing in: sign in, or`
              : `you have ${MAX_PER_SUBSCRIBER} push subscriptions already, the most allowed:`;
          throw new HttpError(409, `${why} turn notifications off on a browser you no longer use`);
        }
        return { endpoint };
      },
      status: 201,
    }),
    /** The endpoint is the browser's own secret address at its push service: knowing it is enough. */
    route("DELETE /api/push/subscriptions", {
      admit: async (req) => {
        guard.sameOrigin(req);
        await throttle(guard.address(req));
      },
      act: ({ body: { endpoint } }) => ({ removed: push.subscriptions.remove(endpoint) }),
    }),
  ];
}
