// An order or answer from a panel or the API, as the core takes it: the position resolved here,
// once (a position the face does not have is refused at the edge), who gives it, and for an
// order that everyone must answer, how many listen now.
import { findPosition, unknownPosition } from "../../lib/face";
import type { Face, FacePosition, Request, Source } from "../../lib/protocol";
import type { Given } from "../telegraph/dispatch";
import { type Identity, auditName } from "../people/identity";

/** Where people give orders and answers from: all but the telegraph itself. */
export type GivenFrom = Exclude<Source, "telegraph">;

/**
 * Who an answer counts as, for a quorum: a signed-in person or a token by its account; anyone
 * else by where it came from (`connection`: a panel, or an address for the API), never by the
 * name they typed, which anyone may type, as often as they like.
 */
export const answererOf = (identity: Identity, source: GivenFrom, connection: string): string =>
  identity.via !== "anonymous" ? `${identity.via} ${identity.name}` : `${source} ${connection}`;

export interface Giving {
  face: Face;
  /** People listening now who may answer (presence.ts peoplePresent): asked only for an order for everyone. */
  listening: () => number;
}

/** What an order at `position` needs to know of who listens: their count, asked only when everyone must answer. */
export const listeningFor = (position: FacePosition, listening: () => number): { listening?: number } =>
  position.quorum === "everyone" ? { listening: listening() } : {};

/**
 * A signed-in person or a token's holder is who their name says, whatever `by` says; the audit
 * log gets who and the address.
 */
export function given(
  type: "order" | "answer",
  { position: ref, by }: Request,
  identity: Identity,
  source: GivenFrom,
  { address, connection }: { address: string; connection: string },
  { face, listening }: Giving,
): { ok: true; event: Given } | { ok: false; error: string } {
  const position = findPosition(face, ref);
  if (!position) return { ok: false, error: unknownPosition(face, ref) };
  const giver = identity.name ?? by;
  const from = { who: auditName(identity), address, source };
  if (type === "answer") return { ok: true, event: { type, position, by: giver, answerer: answererOf(identity, source, connection), from } };
  return { ok: true, event: { type, position, by: giver, source, from, ...listeningFor(position, listening) } };
}
