// One way to the telegraph. A link turns the telegraph's bytes into face positions (resolved here,
// once: what the face does not have is refused at the edge), and the facts it is told into bytes
// for the telegraph.
import type { FacePosition, LinkHealth, LinkName } from "../../lib/protocol";

/** What every link reports: an order the telegraph gave, and its own health when that changes. */
export interface LinkEvents {
  onOrder: (position: FacePosition) => void;
  onHealth: (health: LinkHealth) => void;
}

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
