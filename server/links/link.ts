// One way to the telegraph. A link turns the telegraph's bytes into events for the bridge, and
// the core's effects into bytes for the telegraph.
import type { LinkName } from "../../lib/protocol";

export interface LinkHealth {
  link: LinkName;
  state: "watching" | "connected" | "disconnected" | "error";
  /** Why, while the state is "error" or "disconnected". */
  error?: string;
  /** Where: the status file, or the serial device. */
  at?: string;
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
