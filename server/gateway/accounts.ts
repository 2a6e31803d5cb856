// Signing in and out, and the admin page's people and audit log, over the HTTP API. Every change
// is noted in the audit log and told to the person's open panels at once (their `you` event).
import type { IncomingMessage } from "node:http";
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { Invite, LinkCode, RoleChange, SignIn, type You } from "../../lib/protocol";
import type { Audit } from "../people/audit";
import { PeopleError, type People, type Person } from "../people/people";
import type { Sessions } from "../people/sessions";
import { credentials, sessionCookie } from "./cookie";
import type { Guard, Routes } from "./http";
import { HttpError, readJson, send } from "./respond";

/** Sign-ins and sign-in link lookups one address may try in a minute (the lockout guards each name at each address). */
export const SIGN_INS_PER_MINUTE = 10;
/** Invitations (and new sign-in links) one address may make in an hour. */
export const INVITES_PER_HOUR = 30;
/** Audit entries the admin page shows. */
const AUDIT_SHOWN = 200;

export interface Accounts {
  people: People;
  sessions: Sessions;
  audit: Audit;
  /** Someone's role or sessions changed: their open panels learn who they are now. */
  changed(personId: number): void;
  /** The one-time link for a sign-in code, on the server's public URL (never the request's Host). */
  signInLink(code: string): string;
}

const view = ({ id: _, ...person }: Person) => person;

export function accountRoutes(guard: Guard, { people, sessions, audit, changed, signInLink }: Accounts): Routes {
  const signIns = new RateLimiterMemory({ points: SIGN_INS_PER_MINUTE, duration: 60 });
  const invites = new RateLimiterMemory({ points: INVITES_PER_HOUR, duration: 3600 });

  async function throttle(limiter: RateLimiterMemory, req: IncomingMessage, what: string): Promise<void> {
    try {
      await limiter.consume(guard.address(req));
    } catch (refused) {
      if (!(refused instanceof RateLimiterRes)) throw refused;
      const seconds = Math.ceil(refused.msBeforeNext / 1000);
      throw new HttpError(429, `too many ${what} from this address: try again in ${seconds} s`, { "retry-after": String(seconds) });
    }
  }

  /** Does an admin's `change`, noting it in the audit log; a refusal of the store's is a 400. */
  async function asAdmin<T>(req: IncomingMessage, change: () => [T, string] | Promise<[T, string]>): Promise<T> {
    guard.sameOrigin(req);
    const admin = guard.allowed(req, "manage");
    if (req.method === "POST") await throttle(invites, req, "invitations");
    try {
      const [result, detail] = await change();
      audit.record({ who: admin.name ?? "anonymous", address: guard.address(req), action: "user", detail });
      return result;
    } catch (error) {
      if (error instanceof PeopleError) throw new HttpError(400, error.message);
      throw error;
    }
  }

  return {
    "/api/session": {
      GET: (req, res) => {
        const { role, name, via, ended } = guard.identity(req, res);
        send(res, 200, { role, name, via, ended } satisfies You);
      },
      POST: async (req, res) => {
        guard.sameOrigin(req);
        await throttle(signIns, req, "sign-ins");
        const body = await readJson(req, SignIn);
        const address = guard.address(req);
        const result = "code" in body ? await sessions.withLink(body.code, body.password, address) : await sessions.withPassword(body.name, body.password, address);
        if (!result.ok) {
          const tried = "name" in body ? ` as ${JSON.stringify(body.name.trim().slice(0, 40))}` : " with a sign-in link";
          audit.record({ who: "anonymous", address, action: "sign-in", detail: `failed${tried}: ${result.error}` });
          throw new HttpError(result.status, result.error, result.retryAfter ? { "retry-after": String(result.retryAfter) } : {});
        }
        const { holder, secret } = result;
        // The browser's earlier session ends: its cookie is replaced, and its secret must not live on elsewhere.
        const { session: earlier } = credentials(req.headers, { secure: guard.secure(req) });
        const before = earlier ? sessions.check(earlier) : null;
        if (earlier) sessions.end(earlier);
        if (before) {
          audit.record({ who: before.name, address, action: "sign-in", detail: "signed out: this browser signed in again" });
          changed(before.personId);
        }
        audit.record({ who: holder.name, address, action: "sign-in", detail: "code" in body ? "signed in with a one-time link and set a password" : "signed in" });
        res.setHeader("set-cookie", sessionCookie(secret, guard.secure(req)));
        send(res, 200, { role: holder.role, name: holder.name, via: "session" } satisfies You);
      },
      /** Signs this browser out. */
      DELETE: (req, res) => {
        guard.sameOrigin(req);
        const { session } = credentials(req.headers, { secure: guard.secure(req) });
        const holder = session && sessions.check(session);
        if (holder) {
          sessions.end(session);
          audit.record({ who: holder.name, address: guard.address(req), action: "sign-in", detail: "signed out" });
          changed(holder.personId);
        }
        res.setHeader("set-cookie", sessionCookie(null, guard.secure(req)));
        send(res, 200, guard.anonymous());
      },
    },
    /** Signs the person out on every browser. */
    "/api/sessions": {
      DELETE: (req, res) => {
        guard.sameOrigin(req);
        const { personId, name } = guard.identity(req, res);
        if (personId === undefined) throw new HttpError(401, "sign in first");
        sessions.endAll(personId);
        audit.record({ who: name!, address: guard.address(req), action: "sign-in", detail: "signed out everywhere" });
        changed(personId);
        res.setHeader("set-cookie", sessionCookie(null, guard.secure(req)));
        send(res, 200, guard.anonymous());
      },
    },
    /** Whom a sign-in link is for, before it is used. */
    "/api/link": {
      POST: async (req, res) => {
        guard.sameOrigin(req);
        await throttle(signIns, req, "sign-ins");
        const holder = sessions.peek((await readJson(req, LinkCode)).code);
        if (!holder) throw new HttpError(400, "this sign-in link does not work (used, expired or mistyped): ask an admin for a new one");
        send(res, 200, { name: holder.name, role: holder.role });
      },
    },
    "/api/people": {
      GET: (req, res) => {
        guard.allowed(req, "manage");
        send(res, 200, { people: people.list().map(view) });
      },
      POST: async (req, res) => {
        const { person, code } = await asAdmin(req, async () => {
          const { name, role } = await readJson(req, Invite);
          const added = people.add(name, role);
          return [added, `invited ${added.person.name} as ${role}`];
        });
        send(res, 201, { person: view(person), link: signInLink(code) });
      },
    },
    "/api/people/:name": {
      PATCH: async (req, res, { name }) => {
        const person = await asAdmin(req, async () => {
          const { role } = await readJson(req, RoleChange);
          const changedTo = people.setRole(name, role);
          return [changedTo, `${changedTo.name} is now ${role}`];
        });
        changed(person.id);
        send(res, 200, { person: view(person) });
      },
      DELETE: async (req, res, { name }) => {
        const person = await asAdmin(req, () => {
          const removed = people.remove(name);
          return [removed, `removed ${removed.name}`];
        });
        changed(person.id);
        send(res, 200, { person: view(person) });
      },
    },
    "/api/people/:name/reset": {
      POST: async (req, res, { name }) => {
        const { person, code } = await asAdmin(req, () => {
          const reset = people.reset(name);
          return [reset, `reset ${reset.person.name}: password forgotten, signed out everywhere, new sign-in link`];
        });
        changed(person.id);
        send(res, 200, { person: view(person), link: signInLink(code) });
      },
    },
    "/api/people/:name/sessions": {
      DELETE: async (req, res, { name }) => {
        const person = await asAdmin(req, () => {
          const found = people.signOut(name);
          return [found, `signed ${found.name} out everywhere`];
        });
        changed(person.id);
        send(res, 200, { person: view(person) });
      },
    },
    "/api/audit": {
      GET: (req, res) => {
        guard.allowed(req, "manage");
        const query = new URL(req.url ?? "/", "http://localhost").searchParams;
        if (!query.has("download")) return send(res, 200, { entries: audit.recent(AUDIT_SHOWN) });
        res.setHeader("content-disposition", 'attachment; filename="chadburn-audit.json"');
        send(res, 200, { entries: audit.list() });
      },
    },
  };
}
