// One way to the telegraph. A link turns the telegraph's bytes into events for the bridge, and
// the core's effects into bytes for the telegraph.
import type { LinkHealth, LinkName } from "../../lib/protocol";

export interface TelegraphLink {
  readonly name: LinkName;
  /** Resolves once the link is listening. */
  ready: Promise<void>;
  /** The telegraph must hold this order: it came from a panel, the API or another link. */
  tellOrder(position: number): Promise<void>;
  /** The telegraph must show this answer. */
  tellAnswer(position: number): Promise<void>;
  health(): LinkHealth;
  close(): Promise<void>;
}
