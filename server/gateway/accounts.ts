// Signing in and out, and the admin page's people and audit log, over the HTTP API. Every change
// is noted in the audit log and told to the person's open panels at once (their `you` event).
import type { IncomingMessage } from "node:http";
import type { You } from "../../lib/protocol";
import { AUDIT_LIMIT, type ApiRoute, type ApiResponse, type TelegraphList } from "../../lib/routes";
import type { Audit } from "../people/audit";
import type { Identity } from "../people/identity";
import { PeopleError, type People, type Person } from "../people/people";
import type { Sessions } from "../people/sessions";
import { credentials, sessionCookie } from "./cookie";
import { type Call, type Guard, HttpError, type Route, route } from "./routes";

/** Sign-ins and sign-in link lookups one address may try in a minute (the lockout guards each name at each address). */
export const SIGN_INS_PER_MINUTE = 10;
/** Invitations (and new sign-in links) one address may make in an hour. */
export const INVITES_PER_HOUR = 30;

export interface Accounts {
  people: People;
  sessions: Sessions;
  audit: Audit;
  /** Someone's role or sessions changed: their open panels learn who they are now. */
  changed(personId: number): void;
  /** The one-time link for a sign-in code, on the server's public URL (never the request's Host). */
  inviteUrl(code: string): string;
  /** The telegraphs the server serves: roles may be given on each. */
  telegraphs: TelegraphList["telegraphs"];
}

const view = ({ id: _, ...person }: Person) => person;

/** An admin's change: the reply, what the audit log notes, and whose panels learn of it. */
interface Change<R extends ApiRoute> {
  reply: ApiResponse<R>;
  detail: string;
  changed?: Person;
}

export function accountRoutes(guard: Guard, { people, sessions, audit, changed, inviteUrl, telegraphs }: Accounts): Route[] {
  const tooMany = (what: string) => (msBeforeNext: number) => {
    const seconds = Math.ceil(msBeforeNext / 1000);
    return new HttpError(429, `too many ${what} from this address: try again in ${seconds} s`, { "retry-after": String(seconds) });
  };
  const signIns = guard.limit("sign-ins", SIGN_INS_PER_MINUTE, 60, tooMany("sign-ins"));
  const invites = guard.limit("invitations", INVITES_PER_HOUR, 3600, tooMany("invitations"));

  /** Someone's sessions ended here: noted, and their panels are told. */
  const signedOut = (req: IncomingMessage, holder: { name: string; personId: number }, detail: string) => {
    audit.record({ who: holder.name, address: guard.address(req), action: "sign-in", detail });
    changed(holder.personId);
  };

  /** An admin's `change` (those that POST make a sign-in link: as often as invites allow), noted in the audit log; a refusal of the store's is a 400. */
  const byAdmin = <R extends ApiRoute>(key: R, change: (call: Call<R, Identity>) => Change<R>, status = 200) =>
    route(key, {
      admit: async (req) => {
        guard.sameOrigin(req);
        const admin = guard.allowed(req, "manage");
        if (key.startsWith("POST ")) await invites(guard.address(req));
        return admin;
      },
      act: (call) => {
        try {
          const { reply, detail, changed: person } = change(call);
          audit.record({ who: call.admitted.name ?? "anonymous", address: guard.address(call.req), action: "user", detail });
          if (person) changed(person.id);
          return reply;
        } catch (error) {
          if (error instanceof PeopleError) throw new HttpError(400, error.message);
          throw error;
        }
      },
      status,
    });

  return [
    route("GET /api/session", {
      admit: (req, res) => guard.identity(req, res),
      act: ({ admitted: { role, name, via, ended } }) => ({ role, name, via, ended }),
    }),
    route("POST /api/session", {
      admit: async (req) => {
        guard.sameOrigin(req);
        await signIns(guard.address(req));
      },
      act: async ({ req, res, body }) => {
        const address = guard.address(req);
        const result =
          "code" in body
            ? await sessions.withInvite(body.code, body.password, address)
            : await sessions.withPassword(body.name, body.password, address);
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
        if (before) signedOut(req, before, "signed out: this browser signed in again");
        audit.record({
          who: holder.name,
          address,
          action: "sign-in",
          detail: "code" in body ? "signed in with a one-time link and set a password" : "signed in",
        });
        res.setHeader("set-cookie", sessionCookie(secret, guard.secure(req)));
        return { role: holder.role, name: holder.name, via: "session" } satisfies You;
      },
    }),
    /** Signs this browser out. */
    route("DELETE /api/session", {
      admit: (req) => guard.sameOrigin(req),
      act: ({ req, res }) => {
        const { session } = credentials(req.headers, { secure: guard.secure(req) });
        const holder = session && sessions.check(session);
        if (holder) {
          sessions.end(session);
          signedOut(req, holder, "signed out");
        }
        res.setHeader("set-cookie", sessionCookie(null, guard.secure(req)));
        return guard.anonymous();
      },
    }),
    /** Signs the person out on every browser. */
    route("DELETE /api/sessions", {
      admit: (req, res) => {
        guard.sameOrigin(req);
        return guard.identity(req, res);
      },
      act: ({ req, res, admitted: { personId, name } }) => {
        if (personId === undefined) throw new HttpError(401, "sign in first");
        sessions.endAll(personId);
        signedOut(req, { personId, name: name! }, "signed out everywhere");
        res.setHeader("set-cookie", sessionCookie(null, guard.secure(req)));
        return guard.anonymous();
      },
    }),
    /** Whom a sign-in link is for, before it is used. */
    route("POST /api/link", {
      admit: async (req) => {
        guard.sameOrigin(req);
        await signIns(guard.address(req));
      },
      act: ({ body }) => {
        const holder = sessions.peek(body.code);
        if (!holder) throw new HttpError(400, "this sign-in link does not work (used, expired or mistyped): ask an admin for a new one");
        return { name: holder.name, role: holder.role };
      },
    }),
    route("GET /api/people", {
      admit: (req) => void guard.allowed(req, "manage"),
      act: () => ({ people: people.list().map(view), telegraphs }),
    }),
    byAdmin(
      "POST /api/people",
      ({ body: { name, role } }) => {
        const { person, code } = people.add(name, role);
        return { reply: { person: view(person), link: inviteUrl(code) }, detail: `invited ${person.name} as ${role}` };
      },
      201,
    ),
    byAdmin("PATCH /api/people/:name", ({ params: { name }, body: { role } }) => {
      const person = people.setRole(name, role);
      return { reply: { person: view(person) }, detail: `${person.name} is now ${role}`, changed: person };
    }),
    byAdmin("PATCH /api/people/:name/telegraphs/:slug", ({ params: { name, slug }, body: { role } }) => {
      const slugs = telegraphs.map((telegraph) => telegraph.slug);
      const person = people.setTelegraphRole(name, slug, role, slugs);
      const detail = role === null ? `${person.name} has their own role on ${slug} again` : `${person.name} is now ${role} on ${slug}`;
      return { reply: { person: view(person) }, detail, changed: person };
    }),
    byAdmin("DELETE /api/people/:name", ({ params: { name } }) => {
      const person = people.remove(name);
      return { reply: { person: view(person) }, detail: `removed ${person.name}`, changed: person };
    }),
    byAdmin("POST /api/people/:name/reset", ({ params: { name } }) => {
      const { person, code } = people.reset(name);
      const detail = `reset ${person.name}: password forgotten, signed out everywhere, new sign-in link`;
      return { reply: { person: view(person), link: inviteUrl(code) }, detail, changed: person };
    }),
    byAdmin("DELETE /api/people/:name/sessions", ({ params: { name } }) => {
      const person = people.signOut(name);
      return { reply: { person: view(person) }, detail: `signed ${person.name} out everywhere`, changed: person };
    }),
    // The latest entries (?limit= fewer than AUDIT_LIMIT), or with ?download the whole log as a file.
    route("GET /api/audit", {
      admit: (req) => void guard.allowed(req, "manage"),
      act: ({ res, query: { limit = AUDIT_LIMIT, download } }) => {
        if (download === undefined) return { entries: audit.recent(limit) };
        res.setHeader("content-disposition", 'attachment; filename="chadburn-audit.json"');
        return { entries: audit.list() };
      },
    }),
  ];
}
