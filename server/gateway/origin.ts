// Which pages may give orders: a browser names the page behind every cross-site request in its
// Origin header, so a hostile page can neither open a socket to the panel's server (cross-site
// WebSocket hijacking) nor post orders to it (CSRF). Used by socket.io's handshake and the POST routes.
import type { IncomingMessage } from "node:http";
import type { Logger } from "../log";

/** Refused origins are logged once each, and only this many: a flood of forged ones must not grow memory. */
const LOGGED_MAX = 100;

/** A host name, IPv4 or [IPv6] address and an optional port: nothing that could break out of a header. */
const HOST = /^([a-z\d.-]+|\[[a-f\d:.]+\])(:\d{1,5})?$/i;

/** Why a request is refused, or undefined when it may go on. */
export type OriginCheck = (req: IncomingMessage) => string | undefined;

/** The host the request came to (lower case, no default port), or undefined when missing or malformed. */
export function ownHost(req: IncomingMessage): string | undefined {
  const host = req.headers.host;
  if (!host || !HOST.test(host) || !URL.canParse(`http://${host}`)) return undefined;
  return new URL(`http://${host}`).host;
}

/**
 * Allows a request with no Origin (curl, scripts, and a browser's same-origin GETs such as
 * socket.io's polling handshake: a cross-site request always carries one), from the server's own
 * origin (https when the client came over TLS, here or at a trusted proxy that passes the Host
 * on), or from one of `allowed` (normalised, as config.ts gives them).
 */
export function originCheck(allowed: readonly string[], secure: (req: IncomingMessage) => boolean, log: Logger): OriginCheck {
  const logged = new Set<string>();
  return (req) => {
    const origin = req.headers.origin;
    if (origin === undefined) return undefined;
    const host = ownHost(req);
    const scheme = secure(req) ? "https" : "http";
    if ((host && origin === new URL(`${scheme}://${host}`).origin) || allowed.includes(origin)) return undefined;
    if (logged.size < LOGGED_MAX && !logged.has(origin)) {
      logged.add(origin);
      log.warn(
        `refused requests from origin ${origin}: not this server's own nor ` +
          `--allowed-origin${logged.size === LOGGED_MAX ? " (no more refused origins will be logged)" : ""}`,
      );
    }
    return `origin ${origin} not allowed`;
  };
}
