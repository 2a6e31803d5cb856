// The HTTP API beside the panel: the snapshot, orders and answers for scripts, signing in, the
// admin page's people and audit log (accounts.ts), health, readiness and metrics. Everything else goes to Next.
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { match } from "path-to-regexp";
import { RateLimiterMemory } from "rate-limiter-flexible";
import { type LinkHealth, type Presence, Request, type You } from "../../lib/protocol";
import { type Action, may, refusal } from "../../lib/roles";
import type { Dispatch } from "../telegraph/dispatch";
import { type Giving, given } from "./given";
import type { Logger } from "../log";
import type { Metrics } from "../metrics";
import { pushRoutes } from "../push/routes";
import type { Push } from "../push/send";
import { type Identify, type Identity, type NameOwner, bearer, borrowedName } from "../people/identity";
import { type Accounts, accountRoutes } from "./accounts";
import { type ClientInfo, addressGroup } from "./address";
import { credentials, sessionCookie } from "./cookie";
import type { OriginCheck } from "./origin";
import { healthOf, withoutPaths } from "./health";
import { HttpError, readJson, send } from "./respond";

/** Orders and answers one address may post in a second. */
export const POSTS_PER_SECOND = 10;

type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
type Route = (req: IncomingMessage, res: ServerResponse, params: Record<string, string>) => void | Promise<void>;
/** Path pattern (path-to-regexp: "/api/people/:name") → method → route. */
export type Routes = Record<string, Partial<Record<string, Route>>>;

/** What every route asks of a request: who sends it, from where, and whether they may. */
export interface Guard {
  /** Who is asking; an ended session's cookie is cleared on the way. */
  identity(req: IncomingMessage, res: ServerResponse): Identity;
  /** Who is asking, if they may do `action`: 401 without credentials that would do, 403 with ones too weak. */
  allowed(req: IncomingMessage, action: Action): Identity;
  /** A change must come from one of our pages (or a script that sends no Origin): 403 otherwise. */
  sameOrigin(req: IncomingMessage): void;
  /** Who someone is without credentials. */
  anonymous(): You;
  address: ClientInfo["address"];
  secure: ClientInfo["secure"];
}

/** GET /readyz's body: 200 while "ready", 503 otherwise. */
export interface Readiness {
  status: "starting" | "ready" | "closing";
  /** Next is prepared ("prepared"), or this process does not serve the panel ("none"). */
  panel: "prepared" | "none";
  links: LinkHealth[];
}

export interface HttpOptions {
  bridge: Dispatch;
  /** What an order or answer needs to become the core's event: the face, and who listens. */
  giving: Giving;
  readiness: () => Readiness;
  metrics: Pick<Metrics, "contentType" | "text">;
  presence: () => Presence;
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
  /** Who else may scrape /metrics besides those who may see the panel: anyone, or whoever sends `token` as a Bearer token. */
  metricsAccess?: { public?: boolean; token?: string };
}

/** Equal secrets, in a time that does not tell how much of a guess was right (hashed: the same length). */
const sameSecret = (a: string, b: string) => timingSafeEqual(createHash("sha256").update(a).digest(), createHash("sha256").update(b).digest());

export function httpHandler({ bridge, giving, readiness, metrics, presence, origins, who, client, names, accounts, log, web, push, metricsAccess = {} }: HttpOptions): Handler {
  const guard: Guard = {
    identity(req, res) {
      const found = who(credentials(req.headers, { secure: client.secure(req) }));
      if (!found.ok) throw new HttpError(401, found.error);
      if (found.identity.ended) res.setHeader("set-cookie", sessionCookie(null, client.secure(req)));
      return found.identity;
    },
    allowed(req, action) {
      const found = who(credentials(req.headers, { secure: client.secure(req) }));
      if (!found.ok) throw new HttpError(401, found.error);
      if (!may(found.identity.role, action)) throw new HttpError(found.identity.via === "anonymous" ? 401 : 403, refusal(action));
      return found.identity;
    },
    sameOrigin(req) {
      const foreign = origins(req);
      if (foreign) throw new HttpError(403, foreign);
    },
    anonymous() {
      const found = who({}); // without credentials, always someone: the --anonymous role
      return { role: found.ok ? found.identity.role : null, via: "anonymous" };
    },
    address: client.address,
    secure: client.secure,
  };
  const limiter = new RateLimiterMemory({ points: POSTS_PER_SECOND, duration: 1 });
  /** Whether the caller may see the panel: a wrong token or none of that role is simply "no" here. */
  const maySee = (req: IncomingMessage) => {
    const found = who(credentials(req.headers, { secure: client.secure(req) }));
    return found.ok && may(found.identity.role, "see");
  };
  /** The scraper's own token (--metrics-token), as Bearer. */
  const scraper = (req: IncomingMessage) => {
    const given = bearer(req.headers.authorization);
    return metricsAccess.token !== undefined && given !== undefined && sameSecret(given, metricsAccess.token);
  };

  const post = (type: "order" | "answer"): Route => async (req, res) => {
    guard.sameOrigin(req);
    const identity = guard.allowed(req, type);
    try {
      await limiter.consume(addressGroup(client.address(req))); // an IPv6 /64 is one address
    } catch {
      throw new HttpError(429, `too many requests: at most ${POSTS_PER_SECOND} a second`);
    }
    const request = await readJson(req, Request);
    const borrowed = borrowedName(identity, request.by, names);
    if (borrowed) throw new HttpError(403, borrowed);
    // Anonymous, an answer over the API counts as its address's (the /64's): scripts have no panel.
    const event = given(type, request, identity, "api", { address: client.address(req), connection: addressGroup(client.address(req)) }, giving);
    if (!event.ok) throw new HttpError(400, event.error);
    const result = await bridge.handle(event.event);
    if (!result.ok) throw new HttpError(400, result.error);
    send(res, 200, result.snapshot);
  };

  const routes: Routes = {
    "/api/state": {
      GET: (req, res) => {
        guard.allowed(req, "see");
        send(res, 200, { ...bridge.snapshot(), presence: presence() });
      },
    },
    "/api/order": { POST: post("order") },
    "/api/answer": { POST: post("answer") },
    // 200 to anyone while the process lives (liveness, not readiness): probes carry no credentials.
    // Where the files and the device are, only to those who may see the panel, which shows it anyway.
    "/healthz": {
      GET: (req, res) => {
        const { telegraph, links } = bridge.snapshot();
        const body = { ...healthOf(links), telegraph, links };
        const paths = [...links.map((link) => link.at), telegraph.device].filter((at) => at !== undefined);
        send(res, 200, maySee(req) ? body : withoutPaths(body, paths));
      },
    },
    // Open like /healthz: orchestrators carry no credentials, and it says no more than the links' states (docs/protocol.md#http).
    "/readyz": {
      GET: (_req, res) => {
        const body = readiness();
        send(res, body.status === "ready" ? 200 : 503, body);
      },
    },
    // As the panel: for those who may see it (anonymous too when --anonymous allows), the scraper's
    // token, or anyone with --metrics-public.
    "/metrics": {
      GET: async (req, res) => {
        if (!metricsAccess.public && !scraper(req)) guard.allowed(req, "see");
        const text = await metrics.text();
        res.writeHead(200, { "content-type": metrics.contentType, "cache-control": "no-store" });
        res.end(text);
      },
    },
    ...accountRoutes(guard, accounts),
    ...(push ? pushRoutes(guard, push) : {}),
  };
  const table = Object.entries(routes).map(([pattern, methods]) => ({ matches: match(pattern), methods }));

  return async (req, res) => {
    const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
    try {
      for (const { matches, methods } of table) {
        const found = matchOrRefuse(matches, pathname);
        if (!found) continue;
        const route = methods[req.method ?? "GET"];
        if (!route) {
          res.setHeader("allow", Object.keys(methods).join(", "));
          throw new HttpError(405, `use ${Object.keys(methods).join(" or ")} for ${pathname}`);
        }
        return await route(req, res, found.params as Record<string, string>);
      }
      if (pathname.startsWith("/api/")) throw new HttpError(404, `no such API route: ${pathname}`);
      if (web) return await web(req, res);
      throw new HttpError(404, "the panel is not served by this instance");
    } catch (error) {
      if (error instanceof HttpError) {
        for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
        if (error.status === 401) res.setHeader("www-authenticate", 'Bearer realm="chadburn"');
        return send(res, error.status, { error: error.message });
      }
      log.error(`${req.method} ${pathname}: ${(error as Error).message}`);
      if (!res.headersSent) send(res, 500, { error: "the server could not do that" });
    }
  };
}

/** The route's match; a parameter that is not valid percent-encoding (`/api/people/%E0`) is the client's mistake: 400. */
function matchOrRefuse<M>(matches: (pathname: string) => M, pathname: string): M {
  try {
    return matches(pathname);
  } catch (error) {
    if (error instanceof URIError) throw new HttpError(400, `the path is not valid percent-encoding: ${pathname}`);
    throw error;
  }
}
