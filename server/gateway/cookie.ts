// The session cookie: HttpOnly (no script reads it), SameSite=Lax (not sent on other sites'
// requests; a link to the panel still arrives signed in), Secure over HTTPS.
import type { IncomingHttpHeaders } from "node:http";
import { parse, serialize } from "cookie";
import type { Credentials } from "../people/identity";
import { bearer } from "../people/identity";
import { SESSION_MS } from "../people/sessions";

export const SESSION_COOKIE = "chadburn_session";

/**
 * A request's credentials: a token (socket.io's auth, else the Authorization header) and the
 * session cookie. A token that is not a string is a wrong token (""), not a missing one.
 */
export function credentials(headers: IncomingHttpHeaders, authToken?: unknown): Credentials {
  const token = authToken === undefined ? bearer(headers.authorization) : typeof authToken === "string" ? authToken : "";
  return { token, session: headers.cookie ? parse(headers.cookie)[SESSION_COOKIE] : undefined };
}

/** The Set-Cookie for a new session, or (null) one that clears it. */
export function sessionCookie(secret: string | null, secure: boolean): string {
  return serialize(SESSION_COOKIE, secret ?? "", {
    httpOnly: true,
    sameSite: "lax",
    secure,
    path: "/",
    maxAge: secret ? SESSION_MS / 1000 : 0,
  });
}
