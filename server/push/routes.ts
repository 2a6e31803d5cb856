// The push routes: the VAPID public key a browser subscribes with, and following and leaving a
// telegraph's pushes (issue 16: one browser may follow several). Whoever may see the panel may have
// its orders pushed to them. Today's routes stay, as the default telegraph's.
import { ECDH } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { PushSubscribe } from "../../lib/push";
import { type Guard, HttpError, type Route, route } from "../gateway/routes";
import { type Registry, unknownTelegraph } from "../gateway/served";
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

export function pushRoutes(guard: Guard, push: Push, telegraphs: Registry): Route[] {
  const throttle = guard.limit(
    "push-subscriptions",
    SUBSCRIPTIONS_PER_MINUTE,
    60,
    () =>
      new HttpError(429, `too many subscription changes from this address: at most ${SUBSCRIPTIONS_PER_MINUTE} a minute`, { "retry-after": "60" }),
  );
  /** A change from one of our pages, within the address's allowance. */
  const changeFrom = async (req: IncomingMessage) => {
    guard.sameOrigin(req);
    await throttle(guard.address(req));
  };
  /** A telegraph's slug as the routes name it: the default's for today's, else one the server serves. */
  const slugOf = (slug: string | undefined): string => {
    if (slug === undefined) {
      if (telegraphs.defaultSlug === null)
        throw new HttpError(404, "this server has no default telegraph: use /api/telegraphs/<slug>/push/subscriptions");
      return telegraphs.defaultSlug;
    }
    if (!telegraphs.get(slug)) throw new HttpError(404, unknownTelegraph(slug));
    return slug;
  };
  /** What makes a subscription usable: an endpoint we push to, and keys pushes can be encrypted for. */
  const checked = ({ endpoint, keys }: Pick<PushSubscribe, "endpoint" | "keys">) => {
    const refused = push.refusal(endpoint);
    if (refused) throw new HttpError(400, refused);
    if (!onCurve(keys.p256dh)) throw new HttpError(400, "keys.p256dh: not a point on P-256");
    return { endpoint, p256dh: keys.p256dh, auth: keys.auth };
  };

  const follow = (key: "POST /api/push/subscriptions" | "POST /api/telegraphs/:slug/push/subscriptions") =>
    route(key, {
      admit: async (req) => {
        guard.sameOrigin(req);
        const identity = guard.allowed(req, "see");
        await throttle(guard.address(req));
        return identity;
      },
      act: ({ req, admitted: identity, body, params }) => {
        const telegraph = slugOf((params as { slug?: string }).slug);
        guard.allowedOn(identity, "see", telegraph);
        const personId = identity.personId ?? null;
        const refusal = push.subscriptions.add({ ...checked(body), personId }, { telegraph, muted: body.muted ?? [] }, guard.address(req));
        if (refusal === "full") throw new HttpError(503, "this server keeps no more push subscriptions (the limit is reached)");
        if (refusal === "subscriber") {
          // Waiting does not help (not 429): only unsubscribing a browser, or a failing one being dropped.
          const why =
            personId === null
              ? `this address has ${MAX_PER_SUBSCRIBER} push subscriptions already, the most allowed without signing in: sign in, or`
              : `you have ${MAX_PER_SUBSCRIBER} push subscriptions already, the most allowed:`;
          throw new HttpError(409, `${why} turn notifications off on a browser you no longer use`);
        }
        return { endpoint: body.endpoint };
      },
      status: 201,
    });

  return [
    route("GET /api/push/key", {
      admit: (req) => void guard.allowed(req, "see"),
      act: () => ({ publicKey: push.publicKey }),
    }),
    follow("POST /api/push/subscriptions"),
    follow("POST /api/telegraphs/:slug/push/subscriptions"),
    // The endpoint is the browser's own secret address at its push service: knowing it is enough.
    ...(["DELETE /api/push/subscriptions", "DELETE /api/telegraphs/:slug/push/subscriptions"] as const).map((key) =>
      route(key, {
        admit: changeFrom,
        act: ({ body: { endpoint }, params }) => push.subscriptions.unfollow(endpoint, slugOf((params as { slug?: string }).slug)),
      }),
    ),
    // The service worker's, when the push service replaced the browser's subscription: the old endpoint vouches for the new.
    route("POST /api/push/renewal", {
      admit: changeFrom,
      act: ({ body }) => {
        if (!push.subscriptions.renew(body.replaces, checked(body))) throw new HttpError(404, "replaces: no such subscription on this server");
        return { endpoint: body.endpoint };
      },
    }),
  ];
}
