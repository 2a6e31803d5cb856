// Who is asking, and so what they may do: an API token's holder (Authorization: Bearer …, or the
// token in socket.io's handshake), else anyone, with the role --anonymous gives.
import type { Request } from "../../lib/protocol";
import type { Role } from "../../lib/roles";
import type { BridgeEvent, From } from "../bridge";
import type { tokens } from "./tokens";

export interface Identity {
  /** null: not even a viewer. */
  role: Role | null;
  /** A token's name: orders and answers made with it are by it. */
  name?: string;
  via: "token" | "anonymous";
}

export const ANONYMOUS_ROLES = ["none", "viewer", "crew", "bridge"] as const;
export type AnonymousRole = (typeof ANONYMOUS_ROLES)[number];

export type Identify = (token: string | undefined) => { ok: true; identity: Identity } | { ok: false; error: string };

/**
 * An order or answer from a panel or the API, for the bridge: a token's holder is who its name
 * says, whatever `by` says; the audit log gets "token kettle" or "anonymous", and the address.
 */
export function given(type: "order" | "answer", { position, by }: Request, identity: Identity, source: "panel" | "api", address: string): [BridgeEvent, From] {
  const giver = identity.name ?? by;
  const event: BridgeEvent = type === "order" ? { type, position, by: giver, source } : { type, position, by: giver };
  return [event, { who: identity.name ? `token ${identity.name}` : "anonymous", address }];
}

/** Reads "Bearer <token>" (the scheme in any case); undefined when there is no header. */
export function bearer(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  return /^Bearer +(\S+) *$/i.exec(authorization)?.[1] ?? "";
}

export function identify(known: Pick<ReturnType<typeof tokens>, "check">, anonymous: AnonymousRole): Identify {
  return (token) => {
    if (token === undefined) return { ok: true, identity: { role: anonymous === "none" ? null : anonymous, via: "anonymous" } };
    // A wrong token is an error, never a quiet fall back to anonymous: the script should know.
    const found = token ? known.check(token) : null;
    if (!found) return { ok: false, error: "the API token is not valid (unknown, revoked or mistyped)" };
    return { ok: true, identity: { role: found.role, name: found.name, via: "token" } };
  };
}
