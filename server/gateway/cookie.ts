// The session cookie: HttpOnly (no script reads it), SameSite=Lax (not sent on other sites'
// requests; a link to the panel still arrives signed in), Secure over HTTPS. Over HTTPS its name
// has the __Host- prefix: browsers take such a cookie only Secure, for Path=/ and without Domain,
// so neither a plain-HTTP page on the same host nor a sibling domain can plant or replace it.
// Plain HTTP (a lab's LAN) cannot have that prefix and keeps the plain name.
import type { IncomingHttpHeaders } from "node:http";
import { parse, serialize } from "cookie";
import type { Credentials } from "../people/identity";
import { bearer } from "../people/identity";
import { SESSION_MS } from "../people/sessions";

export const SESSION_COOKIE = "chadburn_session";
export const SECURE_SESSION_COOKIE = `__Host-${SESSION_COOKIE}`;

/** The cookie's name for a request over HTTPS (here or at a trusted proxy) or plain HTTP. */
export const sessionCookieName = (secure: boolean) => (secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE);

/**
 * A request's credentials: a token (socket.io's auth, else a Bearer Authorization header) and the
 * session cookie of the request's scheme (the other one is not ours to read: over HTTPS a plain
 * name could have been planted over HTTP). A token that is not a string is a wrong token (""), not
 * a missing one.
 */
export function credentials(headers: IncomingHttpHeaders, { secure, token: authToken }: { secure: boolean; token?: unknown }): Credentials {
  const token = authToken === undefined ? bearer(headers.authorization) : typeof authToken === "string" ? authToken : "";
  return { token, session: headers.cookie ? parse(headers.cookie)[sessionCookieName(secure)] : undefined };
}

/** The Set-Cookie for a new session, or (null) one that clears it. */
export function sessionCookie(secret: string | null, secure: boolean): string {
  return serialize(sessionCookieName(secure), secret ?? "", {
    httpOnly: true,
    sameSite: "lax",
    secure,
    path: "/",
    maxAge: secret ? SESSION_MS / 1000 : 0,
  });
}
