// Routes, guards and replies of the HTTP API: the one module its routes (http.ts, accounts.ts,
// push/routes.ts) depend on. Every route goes one way: admit (origin, identity, rate limit) →
// parse its query and body with lib/routes.ts's schemas → act → reply; every refusal is an
// HttpError, sent in one shape, {error: "one line"}.
import type { IncomingMessage, ServerResponse } from "node:http";
import { match } from "path-to-regexp";
import getRawBody from "raw-body";
import { RateLimiterRes } from "rate-limiter-flexible";
import { type Limits, inProcess } from "./limits";
import type { z } from "zod";
import { MAX_MESSAGE_BYTES, type You, parse } from "../../lib/protocol";
import { type Action, bestRole, may, refusal, roleOn } from "../../lib/roles";
import { API, type ApiResponse, type ApiRoute, type ParsedBody, type ParsedQuery, type PathParams } from "../../lib/routes";
import type { Logger } from "../log";
import type { Identify, Identity } from "../people/identity";
import type { ClientInfo } from "./address";
import { credentials, sessionCookie } from "./cookie";
import type { OriginCheck } from "./origin";

export type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** What every route asks of a request: who sends it, from where, and whether they may. */
export interface Guard {
  /** Who is asking; an ended session's cookie is cleared on the way. */
  identity(req: IncomingMessage, res: ServerResponse): Identity;
  /**
   * Who is asking, if they may do `action` (on some telegraph: lib/roles.ts bestRole): 401 without
   * credentials that would do, 403 with ones too weak.
   */
  allowed(req: IncomingMessage, action: Action): Identity;
  /** That `identity` may do `action` on the telegraph `slug` (lib/roles.ts roleOn), refused as `allowed` refuses otherwise. */
  allowedOn(identity: Identity, action: Action, slug: string): void;
  /** A change must come from one of our pages (or a script that sends no Origin): 403 otherwise. */
  sameOrigin(req: IncomingMessage): void;
  /** Who someone is without credentials. */
  anonymous(): You;
  address: ClientInfo["address"];
  secure: ClientInfo["secure"];
  /** A limit per key (rateLimit), the same on every node when there are several. */
  limit(name: string, points: number, seconds: number, refused: (msBeforeNext: number) => HttpError): (key: string) => Promise<void>;
}

/** The one refusal of an identity too weak for `action`: the same wherever it is refused. */
const refused = (identity: Identity, action: Action) => new HttpError(identity.via === "anonymous" ? 401 : 403, refusal(action));

export function guardOf(who: Identify, origins: OriginCheck, client: ClientInfo, limits: Limits = inProcess): Guard {
  const found = (req: IncomingMessage) => {
    const found = who(credentials(req.headers, { secure: client.secure(req) }));
    if (!found.ok) throw new HttpError(401, found.error);
    return found.identity;
  };
  return {
    identity(req, res) {
      const identity = found(req);
      if (identity.ended) res.setHeader("set-cookie", sessionCookie(null, client.secure(req)));
      return identity;
    },
    allowed(req, action) {
      const identity = found(req);
      if (!may(bestRole(identity), action)) throw refused(identity, action);
      return identity;
    },
    allowedOn(identity, action, slug) {
      if (!may(roleOn(identity, slug), action)) throw refused(identity, action);
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
    limit: (name, points, seconds, refused) => rateLimit(limits, name, points, seconds, refused),
  };
}

/** At most `points` requests in `seconds` for each key (an address), as the limit `name` of `limits`; past that, the 429 `refused` makes. */
function rateLimit(limits: Limits, name: string, points: number, seconds: number, refused: (msBeforeNext: number) => HttpError) {
  const limiter = limits(name, points, seconds);
  return async (key: string): Promise<void> => {
    try {
      await limiter.consume(key);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      throw refused(error.msBeforeNext);
    }
  };
}

/** What a route acts on: the request, whoever admit let in, the parsed query and body, the path's parameters. */
export interface Call<R extends ApiRoute, A> {
  req: IncomingMessage;
  res: ServerResponse;
  admitted: A;
  query: ParsedQuery<R>;
  body: ParsedBody<R>;
  params: PathParams<R>;
}

export interface RouteSpec<R extends ApiRoute, A> {
  /** Who may, from where, how often: an HttpError refuses before the body is read. */
  admit?(req: IncomingMessage, res: ServerResponse): A | Promise<A>;
  act(call: Call<R, A>): ApiResponse<R> | Promise<ApiResponse<R>>;
  /** 200 unless told. */
  status?: number | ((body: ApiResponse<R>) => number);
  /** JSON unless told; else the body is sent as it is (/metrics). */
  contentType?: string;
}

export interface Route {
  route: ApiRoute;
  handle(req: IncomingMessage, res: ServerResponse, params: Record<string, string>): Promise<void>;
}

/** `key`'s route (lib/routes.ts API): admit → parse → act → reply. */
export function route<R extends ApiRoute, A = undefined>(key: R, { admit, act, status = 200, contentType }: RouteSpec<R, A>): Route {
  const schemas = API[key] as { body?: z.ZodType; query?: z.ZodType };
  return {
    route: key,
    async handle(req, res, params) {
      const admitted = (await admit?.(req, res)) as A;
      const query = schemas.query && parsed(schemas.query, Object.fromEntries(new URL(req.url ?? "/", "http://localhost").searchParams));
      const body = schemas.body && (await readJson(req, schemas.body));
      const reply = await act({ req, res, admitted, query, body, params } as Call<R, A>);
      send(res, typeof status === "function" ? status(reply) : status, reply, contentType);
    },
  };
}

/** The API's handler: each route by its method and path; any other path goes to `web` (Next). */
export function router(routes: Route[], web: Handler | undefined, log: Logger): Handler {
  const paths = new Map<string, Record<string, Route>>();
  for (const r of routes) {
    const [method, path] = r.route.split(" ");
    const methods = paths.get(path) ?? {};
    if (methods[method]) throw new Error(`${r.route} is routed twice`);
    paths.set(path, { ...methods, [method]: r });
  }
  const table = [...paths].map(([pattern, methods]) => ({ matches: match(pattern), methods }));

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
        return await route.handle(req, res, found.params as Record<string, string>);
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

function send(res: ServerResponse, status: number, body: unknown, contentType?: string): void {
  res.writeHead(status, { "content-type": contentType ?? "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(contentType ? String(body) : JSON.stringify(body));
}

/** `input` checked against `schema`; a 400 saying what is wrong otherwise. */
function parsed<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = parse(schema, input);
  if (!result.ok) throw new HttpError(400, result.error);
  return result.value;
}

/** The request's JSON body, checked against `schema`; a 4xx saying what is wrong otherwise. */
async function readJson<T>(req: IncomingMessage, schema: z.ZodType<T>): Promise<T> {
  if (!/^application\/json\b/i.test(req.headers["content-type"] ?? "")) {
    throw new HttpError(415, "send JSON with Content-Type: application/json");
  }
  let text: string;
  try {
    text = await getRawBody(req, { limit: MAX_MESSAGE_BYTES, encoding: "utf8" });
  } catch (error) {
    const status = (error as { status?: number }).status ?? 400;
    throw new HttpError(status, status === 413 ? `the body is over ${MAX_MESSAGE_BYTES} bytes` : "the body could not be read");
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new HttpError(400, "the body is not valid JSON");
  }
  return parsed(schema, json);
}
