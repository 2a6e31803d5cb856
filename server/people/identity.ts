// Who is asking, and so what they may do: an API token's holder (Authorization: Bearer …, or the
// token in socket.io's handshake), a signed-in person (session cookie), else anyone, with the
// role --anonymous gives.
import type { Request } from "../../lib/protocol";
import type { Role } from "../../lib/roles";
import type { BridgeEvent, From } from "../bridge";
import type { Sessions } from "./sessions";
import type { Tokens } from "./tokens";

export interface Identity {
  /** null: not even a viewer. */
  role: Role | null;
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

/**
 * An order or answer from a panel or the API, for the bridge: a signed-in person or a token's
 * holder is who their name says, whatever `by` says; the audit log gets who and the address.
 * An answerer, for a quorum, is the account, else the name typed, else the connection
 * (a panel, or an address for the API).
 */
export function given(
  type: "order" | "answer",
  { position, by }: Request,
  identity: Identity,
  source: "panel" | "api",
  { address, connection }: { address: string; connection: string },
): [BridgeEvent, From] {
  const giver = identity.name ?? by;
  const answerer = identity.via !== "anonymous" ? `${identity.via} ${identity.name}` : by ? `name ${by}` : `${source} ${connection}`;
  const event: BridgeEvent = type === "order" ? { type, position, by: giver, source } : { type, position, by: giver, answerer };
  return [event, { who: auditName(identity), address, source }];
}

/** Reads "Bearer <token>" (the scheme in any case); undefined when there is no header. */
export function bearer(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  return /^Bearer +(\S+) *$/i.exec(authorization)?.[1] ?? "";
}

export function identify(known: { tokens: Pick<Tokens, "check">; sessions: Pick<Sessions, "check"> }, anonymous: AnonymousRole): Identify {
  const nobody: Identity = { role: anonymous === "none" ? null : anonymous, via: "anonymous" };
  return ({ token, session }) => {
    if (token !== undefined) {
      // A wrong token is an error, never a quiet fall back to anonymous: the script should know.
      const found = token ? known.tokens.check(token) : null;
      if (!found) return { ok: false, error: "the API token is not valid (unknown, revoked or mistyped)" };
      return { ok: true, identity: { role: found.role, name: found.name, via: "token" } };
    }
    if (session === undefined) return { ok: true, identity: nobody };
    // A browser's ended session leaves it anonymous, told so: the panel keeps working as far as that allows.
    const holder = known.sessions.check(session);
    if (!holder) return { ok: true, identity: { ...nobody, ended: true } };
    return { ok: true, identity: { role: holder.role, name: holder.name, via: "session", personId: holder.personId } };
  };
}
