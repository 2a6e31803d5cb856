// The HTTP API beside the panel: the snapshot, orders and answers for scripts, and health.
// Everything else goes to Next.
import type { IncomingMessage, ServerResponse } from "node:http";
import getRawBody from "raw-body";
import { RateLimiterMemory } from "rate-limiter-flexible";
import { type Presence, Request, parse } from "../../lib/protocol";
import { type Action, may, refusal } from "../../lib/roles";
import type { Bridge } from "../bridge";
import type { Logger } from "../log";
import { type Identify, type Identity, bearer, given } from "../people/identity";
import type { OriginCheck } from "./origin";
import { MAX_MESSAGE_BYTES } from "./socket";

/** Orders and answers one address may post in a second. */
export const POSTS_PER_SECOND = 10;

type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
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
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, "the body is not valid JSON");
  }
}

export function httpHandler(options: { bridge: Bridge; presence: () => Presence; origins: OriginCheck; who: Identify; log: Logger; web?: Handler }): Handler {
  const { bridge, presence, origins, who, log, web } = options;

  /** Who asks, if they may do `action`: 401 without a (valid) token when one is needed, 403 with one too weak. */
  function allowed(req: IncomingMessage, action: Action): Identity {
    const found = who(bearer(req.headers.authorization));
    if (!found.ok) throw new HttpError(401, found.error);
    if (!may(found.identity.role, action)) throw new HttpError(found.identity.via === "anonymous" ? 401 : 403, refusal(action));
    return found.identity;
  }
  const limiter = new RateLimiterMemory({ points: POSTS_PER_SECOND, duration: 1 });

  const post = (type: "order" | "answer"): Handler => async (req, res) => {
    const foreign = origins(req);
    if (foreign) throw new HttpError(403, foreign);
    const identity = allowed(req, type);
    try {
      await limiter.consume(req.socket.remoteAddress ?? "unknown");
    } catch {
      throw new HttpError(429, `too many requests: at most ${POSTS_PER_SECOND} a second`);
    }
    const parsed = parse(Request, await readJson(req));
    if (!parsed.ok) throw new HttpError(400, parsed.error);
    const result = await bridge.handle(...given(type, parsed.value, identity, "api", req.socket.remoteAddress ?? "unknown"));
    if (!result.ok) throw new HttpError(400, result.error);
    send(res, 200, result.snapshot);
  };

  const routes: Record<string, Partial<Record<string, Handler>>> = {
    "/api/state": {
      GET: (req, res) => {
        allowed(req, "see");
        send(res, 200, { ...bridge.snapshot(), presence: presence() });
      },
    },
    "/api/order": { POST: post("order") },
    "/api/answer": { POST: post("answer") },
    "/healthz": {
      GET: (_req, res) => {
        const { telegraph, links } = bridge.snapshot();
        send(res, 200, { status: "ok", telegraph, links });
      },
    },
  };

  return async (req, res) => {
    const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
    const route = routes[pathname];
    try {
      if (route) {
        const handler = route[req.method ?? "GET"];
        if (!handler) {
          res.setHeader("allow", Object.keys(route).join(", "));
          throw new HttpError(405, `use ${Object.keys(route).join(" or ")} for ${pathname}`);
        }
        return await handler(req, res);
      }
      if (pathname.startsWith("/api/")) throw new HttpError(404, `no such API route: ${pathname}`);
      if (web) return await web(req, res);
      throw new HttpError(404, "the panel is not served by this instance");
    } catch (error) {
      if (error instanceof HttpError) {
        if (error.status === 401) res.setHeader("www-authenticate", 'Bearer realm="chadburn"');
        return send(res, error.status, { error: error.message });
      }
      log.error(`${req.method} ${pathname}: ${(error as Error).message}`);
      if (!res.headersSent) send(res, 500, { error: "the server could not do that" });
    }
  };
}
