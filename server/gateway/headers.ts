// The security headers, set on every response before anything answers it: the panel's pages and
// scripts (Next), the API and socket.io, refusals included. One place, so none is missed or doubled.
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { ownHost } from "./origin";

/**
 * The page's scripts and styles carry a fresh nonce, and scripts may load the scripts they need
 * ('strict-dynamic'); socket.io connects back to the page's own host. No 'upgrade-insecure-requests':
 * the lab serves plain HTTP. Next's development runtime needs eval and unnonced styles.
 */
function contentSecurityPolicy(nonce: string, host: string | undefined, dev: boolean): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    `style-src 'self' ${dev ? "'unsafe-inline'" : `'nonce-${nonce}'`}`,
    // The service worker (/sw.js) by name: script-src's 'strict-dynamic' lets a trusted script
    // register it in Chromium, but not every browser applies that to workers.
    "worker-src 'self'",
    "img-src 'self' blob: data:",
    "font-src 'self'",
    `connect-src 'self'${host ? ` ws://${host} wss://${host}` : ""}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** A year: browsers that once reached the panel over HTTPS refuse plain HTTP to that host from then on. */
export const HSTS = "max-age=31536000";

/**
 * Sets the headers on a response before it is written (they merge into any writeHead later).
 * Strict-Transport-Security only when the request came over TLS (here, or at a trusted proxy):
 * over plain HTTP a browser ignores it, and a LAN panel must keep working there.
 */
export function securityHeaders(dev: boolean, secure: (req: IncomingMessage) => boolean = () => false) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    if (secure(req)) res.setHeader("strict-transport-security", HSTS);
    const csp = contentSecurityPolicy(randomBytes(16).toString("base64"), ownHost(req), dev);
    // Next renders the page with the nonce it finds in the request's policy; whatever a client sent there is replaced.
    req.headers["content-security-policy"] = csp;
    res.setHeader("content-security-policy", csp);
    res.setHeader("x-content-type-options", "nosniff");
    res.setHeader("referrer-policy", "no-referrer");
  };
}
