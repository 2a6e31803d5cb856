// People signing in as a browser does: through an invite (the first admin's is in the server's
// log), choosing a password, and sending the session cookie back; and the audit log of it all.
import { expect } from "vitest";
import type { AuditEntry, You } from "../../lib/protocol";
import { audit } from "../../server/people/audit";
import { openStore } from "../../server/store/store";
import { getJson, postJson } from "./http";
import type { Client } from "./panels";
import type { TestServer } from "./server";
import { within } from "./wait";

/** The password the tests' people choose. */
export const PASSWORD = "correct horse battery";

/** The one-time invite the server logged for its first admin. */
export function firstInvite(server: { logs: string[] }): string {
  const line = server.logs.find((l) => l.includes("/welcome#signin_"));
  if (!line) throw new Error("no invite in the log");
  return line.slice(line.indexOf("http"));
}

/** An invite's code: what the welcome page sends (after the #). */
export const codeOf = (invite: string) => invite.slice(invite.indexOf("#") + 1);

/** The session cookie a response set (Set-Cookie), or cleared. */
export const cookieOf = (headers: Headers) => headers.getSetCookie().find((c) => c.startsWith("chadburn_session="))!;

/** What a browser sends back of a Set-Cookie: name=value. */
export const sent = (setCookie: string) => ({ cookie: setCookie.split(";")[0] });

/** Signs in through an invite, choosing the password, sending `headers` too; the cookie header a browser would send. */
export async function claim(
  url: string,
  invite: string,
  { password = PASSWORD, headers = {} }: { password?: string; headers?: Record<string, string> } = {},
) {
  const res = await postJson(`${url}/api/session`, { code: codeOf(invite), password }, headers);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return sent(cookieOf(res.headers));
}

/** The first admin, signed in through the invite the server logged. */
export const signInAdmin = (server: { url: string; logs: string[] }) => claim(server.url, firstInvite(server));

/** The audit log as the admin page and `chadburn audit` read it, from the server's store. */
export function auditOf(server: { dir: string }): AuditEntry[] {
  const store = openStore(server.dir);
  try {
    return audit(store).list();
  } finally {
    store.close();
  }
}

/** `method route` on the server with these headers (a session's cookie) and a JSON body. */
export const call = (server: TestServer, method: string, route: string, headers: Record<string, string>, body?: unknown) =>
  getJson(`${server.url}${route}`, {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

/** The next `you` a panel is told. */
export const nextYou = (client: Client) => within(new Promise<You>((resolve) => client.once("you", resolve)), "a new you");
