// The telegraphs as the gateways see them (issue 16): each by its slug, and which one, if any, is
// the default (at `/`, /api/state, and for a panel that names none). server/telegraphs.ts builds them.
import type { Face } from "../../lib/protocol";
import type { Dispatch } from "../telegraph/dispatch";

/** One telegraph the server serves. */
export interface Served {
  slug: string;
  title: string;
  face: Face;
  dispatch: Dispatch;
}

export interface Registry {
  get(slug: string): Served | undefined;
  /** Every telegraph, the default first. */
  list(): Served[];
  /** The default telegraph's slug; null: there is none, so a panel must say which it follows. */
  readonly defaultSlug: string | null;
}

/** "no telegraph "lab"": what an unknown slug gets, on a socket and over HTTP alike. */
export const unknownTelegraph = (slug: unknown) => `no telegraph ${JSON.stringify(String(slug).slice(0, 40))} on this server`;
