// The HTTP API beside the panel: the snapshot, orders and answers for scripts, signing in, the
// admin page's people and audit log (accounts.ts), health, readiness and metrics. Everything else goes to Next.
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Presence } from "../../lib/protocol";
import { may, roleOn } from "../../lib/roles";
import type { ClusterHealth, MqttHealth, Readiness } from "../../lib/routes";
import type { Logger } from "../log";
import type { Metrics } from "../metrics";
import { pushRoutes } from "../push/routes";
import type { Push } from "../push/send";
import { type TelegraphLookup, historyRoutes } from "../history/routes";
import type { Store } from "../store/store";
import { type Identify, type Identity, type NameOwner, bearer, borrowedName } from "../people/identity";
import { type Accounts, accountRoutes } from "./accounts";
import { given } from "./given";
import { type ClientInfo, addressGroup } from "./address";
import { credentials } from "./cookie";
import type { OriginCheck } from "./origin";
import { healthzOf, withCluster, withMqtt, withoutPaths } from "./health";
import type { Limits } from "./limits";
import { type Handler, HttpError, guardOf, route, router } from "./routes";
import { type Registry, type Served, unknownTelegraph } from "./served";

/** Orders and answers one address may post in a second. */
export const POSTS_PER_SECOND = 10;

export interface HttpOptions {
  telegraphs: Registry;
  /** Where limits per address are counted: this process unless told (with several nodes, Redis: limits.ts). */
  limits?: Limits;
  /** Who listens to a telegraph, by its slug, and how many of them may answer (an order for everyone needs their count). */
  presence: (slug: string) => Presence;
  listening: (slug: string) => number;
  readiness: () => Readiness;
  /** With several nodes: this node's part (server/cluster/). */
  cluster?: () => ClusterHealth;
  /** With an MQTT broker: whether the bridge reaches it (server/mqtt/). */
  mqtt?: () => MqttHealth;
  metrics: Pick<Metrics, "contentType" | "text">;
  origins: OriginCheck;
  who: Identify;
  client: ClientInfo;
  /** Whose account a typed name is: someone not signed in as them may not go by it. */
  names: NameOwner;
  accounts: Accounts;
  log: Logger;
  web?: Handler;
  /** Web Push: its key and subscription routes (server/push/). */
  push?: Push;
  /** History and statistics (server/history/): the store they read, and the telegraphs by slug. */
  history?: { store: Store; telegraphs: TelegraphLookup };
  /** Who else may scrape /metrics besides those who may see the panel: anyone, or whoever sends `token` as a Bearer token. */
  metricsAccess?: { public?: boolean; token?: string };
}

/** Equal secrets, in a time that does not tell how much of a guess was right (hashed: the same length). */
const sameSecret = (a: string, b: string) => timingSafeEqual(createHash("sha256").update(a).digest(), createHash("sha256").update(b).digest());

export function httpHandler({
  telegraphs,
  presence,
  listening,
  readiness,
  cluster,
  mqtt,
  metrics,
  origins,
  who,
  client,
  names,
  accounts,
  log,
  web,
  push,
  history,
  metricsAccess = {},
  limits,
}: HttpOptions): Handler {
  const guard = guardOf(who, origins, client, limits);
  const posts = guard.limit("posts", POSTS_PER_SECOND, 1, () => new HttpError(429, `too many requests: at most ${POSTS_PER_SECOND} a second`));
  /** Whether the caller may see the panel: a wrong token or none of that role is simply "no" here. */
  const maySee = (req: IncomingMessage) => {
    const found = who(credentials(req.headers, { secure: client.secure(req) }));
    return found.ok && may(found.identity.role, "see");
  };
  /** The scraper's own token (--metrics-token), as Bearer. */
  const scraper = (req: IncomingMessage) => {
    const sent = bearer(req.headers.authorization);
    return metricsAccess.token !== undefined && sent !== undefined && sameSecret(sent, metricsAccess.token);
  };

  /** The default telegraph, for today's routes (/api/state, /api/order, /api/answer). */
  const theDefault = (): Served => {
    const slug = telegraphs.defaultSlug;
    if (slug === null) throw new HttpError(404, "this server has no default telegraph: use /api/telegraphs/<slug>/…, listed by /api/telegraphs");
    return telegraphs.get(slug)!;
  };
  /** The telegraph a path names; looked up once the caller is admitted, so a stranger learns no slug. */
  const named = (slug: string): Served => {
    const served = telegraphs.get(slug);
    if (!served) throw new HttpError(404, unknownTelegraph(slug));
    return served;
  };
  /** `served`, if `identity` may do `action` there (their role on it); refused otherwise. */
  const allowedOn = (identity: Identity, action: "see" | "order" | "answer", served: Served): Served => {
    guard.allowedOn(identity, action, served.slug);
    return served;
  };
  const stateOf = (served: Served) => ({ ...served.dispatch.snapshot(), presence: presence(served.slug) });

  const post = (
    type: "order" | "answer",
    key: "POST /api/order" | "POST /api/answer" | `POST /api/telegraphs/:slug/${"order" | "answer"}`,
    which: (params: Record<string, string>) => Served,
  ) =>
    route(key, {
      admit: async (req) => {
        guard.sameOrigin(req);
        const identity = guard.allowed(req, type);
        await posts(addressGroup(client.address(req))); // an IPv6 /64 is one address
        return identity;
      },
      act: async ({ req, admitted: identity, body: request, params }) => {
        const served = allowedOn(identity, type, which(params as Record<string, string>));
        const borrowed = borrowedName(identity, request.by, names);
        if (borrowed) throw new HttpError(403, borrowed);
        // Anonymous, an answer over the API counts as its address's (the /64's): scripts have no panel.
        const where = { address: client.address(req), connection: addressGroup(client.address(req)) };
        const event = given(type, request, identity, "api", where, { face: served.face, listening: () => listening(served.slug) });
        const result = event.ok ? await served.dispatch.handle(event.event) : event;
        if (!result.ok) throw new HttpError(400, result.error);
        return result.snapshot;
      },
    });

  return router(
    [
      route("GET /api/state", {
        admit: (req) => guard.allowed(req, "see"),
        act: ({ admitted }) => stateOf(allowedOn(admitted, "see", theDefault())),
      }),
      post("order", "POST /api/order", theDefault),
      post("answer", "POST /api/answer", theDefault),
      // Only those the caller may see: the others are no business of theirs.
      route("GET /api/telegraphs", {
        admit: (req) => guard.allowed(req, "see"),
        act: ({ admitted }) => {
          const seen = telegraphs.list().filter(({ slug }) => may(roleOn(admitted, slug), "see"));
          const theirs = seen.some(({ slug }) => slug === telegraphs.defaultSlug);
          return { telegraphs: seen.map(({ slug, title }) => ({ slug, title })), default: theirs ? telegraphs.defaultSlug : null };
        },
      }),
      route("GET /api/telegraphs/:slug/state", {
        admit: (req) => guard.allowed(req, "see"),
        act: ({ params, admitted }) => stateOf(allowedOn(admitted, "see", named(params.slug))),
      }),
      post("order", "POST /api/telegraphs/:slug/order", ({ slug }) => named(slug)),
      post("answer", "POST /api/telegraphs/:slug/answer", ({ slug }) => named(slug)),
      // 200 to anyone while the process lives (liveness, not readiness): probes carry no credentials.
      // Where the files and the device are, only to those who may see the panel, which shows it anyway.
      route("GET /healthz", {
        act: ({ req }) => {
          // Every telegraph's; the default's (or the first's) fields at the top (docs/protocol.md#http).
          const all = telegraphs.list().map(({ slug, dispatch }) => ({ slug, ...dispatch.snapshot() }));
          const body = withMqtt(withCluster(healthzOf(all), cluster?.()), mqtt?.());
          const paths = all.flatMap(({ telegraph, links }) => [...links.map((link) => link.at), telegraph.device]).filter((at) => at !== undefined);
          return maySee(req) ? body : withoutPaths(body, paths);
        },
      }),
      // Open like /healthz, and like it without the paths to those who may not see the panel: orchestrators carry no credentials (docs/protocol.md#http).
      route("GET /readyz", {
        act: ({ req }) => {
          const body = readiness();
          const paths = (body.telegraphs ?? [body]).flatMap(({ links }) => links.map((link) => link.at)).filter((at) => at !== undefined);
          return maySee(req) ? body : withoutPaths(body, paths);
        },
        status: (body) => (body.status === "ready" ? 200 : 503),
      }),
      // As the panel: for those who may see it (anonymous too when --anonymous allows), the scraper's
      // token, or anyone with --metrics-public.
      route("GET /metrics", {
        admit: (req) => {
          if (!metricsAccess.public && !scraper(req)) guard.allowed(req, "see");
        },
        act: () => metrics.text(),
        contentType: metrics.contentType,
      }),
      ...accountRoutes(guard, accounts),
      ...(push ? pushRoutes(guard, push, telegraphs) : []),
      ...(history ? historyRoutes(guard, history.store, history.telegraphs) : []),
    ],
    web,
    log,
  );
}
