// Who is asking, and so what they may do: an API token's holder (Authorization: Bearer …, or the
// token in socket.io's handshake), a signed-in person (session cookie), else anyone, with the
// role --anonymous gives.
import type { RolesOn } from "../../lib/roles";
import type { Store } from "../store/store";
import type { Sessions } from "./sessions";
import type { Tokens } from "./tokens";

/**
 * Who someone is and what they may do: their own role, the roles given them on telegraphs and a
 * token's telegraphs (lib/roles.ts roleOn says their role on each), read from the store each time.
 */
export interface Identity extends RolesOn {
  /** The signed-in person's or the token's name: orders and answers made with it are by it. */
  name?: string;
  via: "session" | "token" | "anonymous";
  /** The person signed in: whose connections to look at again when their role or sessions change. */
  personId?: number;
  /** A session that no longer works came along (signed out elsewhere, revoked, expired): anonymous now. */
  ended?: true;
}

/** What a request carries: an API token (header or socket.io's auth), a session cookie. */
export interface Credentials {
  token?: string;
  session?: string;
}

export const ANONYMOUS_ROLES = ["none", "viewer", "crew", "bridge"] as const;
export type AnonymousRole = (typeof ANONYMOUS_ROLES)[number];

export type Identify = (credentials: Credentials) => { ok: true; identity: Identity } | { ok: false; error: string };

/** How the audit log names who did something: "Ann", "token kettle", "anonymous". */
export const auditName = (identity: Identity): string =>
  identity.via === "token" ? `token ${identity.name}` : identity.via === "session" ? identity.name! : "anonymous";

/** A name as the accounts' are compared with it: case and white space ignored ("Ad Min" is admin). */
export const nameKey = (name: string): string => name.normalize("NFKC").toLowerCase().replace(/\s+/gu, "");

/** Whose account a name is: a person's, a token's, or nobody's (undefined). */
export type NameOwner = (name: string) => "person" | "token" | undefined;

/** Looks a name up among the people and tokens in the store (a few dozen: read each time, never stale). */
export function nameOwner(store: Store): NameOwner {
  const names = store.prepare<[], { name: string; kind: "person" | "token" }>(
    "SELECT name, 'person' AS kind FROM people UNION ALL SELECT name, 'token' FROM tokens",
  );
  return (name) => {
    const key = nameKey(name);
    return names.all().find((row) => nameKey(row.name) === key)?.kind;
  };
}

/**
 * Why someone may not go by the name they typed: it is an account's, and they are not signed in
 * as it (signed in, or with a token, their own name is used whatever they type).
 */
export function borrowedName(identity: Identity, typed: string | undefined, owner: NameOwner): string | undefined {
  if (identity.via !== "anonymous" || !typed) return undefined;
  const whose = owner(typed);
  if (whose === "person")
    return `${JSON.stringify(typed)} is the name of someone who signs in here: sign in as them to use it, or choose another name`;
  if (whose === "token") return `${JSON.stringify(typed)} is the name of an API token: choose another name`;
  return undefined;
}

/**
 * Reads "Bearer <token>" (the scheme in any case); a malformed Bearer header is an empty (invalid)
 * token. Undefined when there is no header or it has another scheme: only Bearer is ours, and a
 * proxy's HTTP Basic auth in front of the panel must not make every request a wrong token.
 */
export function bearer(authorization: string | undefined): string | undefined {
  if (authorization === undefined || /^\s*(\S+)/.exec(authorization)?.[1].toLowerCase() !== "bearer") return undefined;
  return /^\s*Bearer +(\S+) *$/i.exec(authorization)?.[1] ?? "";
}

interface Known {
  tokens: Pick<Tokens, "check">;
  sessions: Pick<Sessions, "check">;
  /** The roles given a person on telegraphs (people.ts telegraphRolesOf). */
  telegraphRoles: (personId: number) => RolesOn["telegraphRoles"];
}

export function identify(known: Known, anonymous: AnonymousRole): Identify {
  const nobody: Identity = { role: anonymous === "none" ? null : anonymous, via: "anonymous" };
  return ({ token, session }) => {
    if (token !== undefined) {
      // A wrong token is an error, never a quiet fall back to anonymous: the script should know.
      const found = token ? known.tokens.check(token) : null;
      if (!found) return { ok: false, error: "the API token is not valid (unknown, revoked or mistyped)" };
      return { ok: true, identity: { role: found.role, name: found.name, via: "token", ...(found.telegraphs && { telegraphs: found.telegraphs }) } };
    }
    if (session === undefined) return { ok: true, identity: nobody };
    // A browser's ended session leaves it anonymous, told so: the panel keeps working as far as that allows.
    const holder = known.sessions.check(session);
    if (!holder) return { ok: true, identity: { ...nobody, ended: true } };
    const telegraphRoles = known.telegraphRoles(holder.personId);
    const given = telegraphRoles && Object.keys(telegraphRoles).length > 0 && { telegraphRoles };
    return { ok: true, identity: { role: holder.role, name: holder.name, via: "session", personId: holder.personId, ...given } };
  };
}
