// The MQTT bridge's topics and what they say (docs/home-assistant.md), pure: the bridge
// (bridge.ts) publishes these and reads commands with them.
import type { Snapshot } from "../../lib/protocol";

/** An order or answer asked for on `<prefix>/<slug>/order/set` or `…/answer/set`: a position's number, name or label. */
export interface Command {
  slug: string;
  type: "order" | "answer";
  position: number | string;
}

export function topicsOf(prefix: string) {
  const command = new RegExp(`^${prefix.replace(/[-/]/g, "\\$&")}/([^/]+)/(order|answer)/set$`);
  return {
    /** "online" or "offline" (the Last Will), retained. */
    availability: `${prefix}/availability`,
    orderSet: `${prefix}/+/order/set`,
    answerSet: `${prefix}/+/answer/set`,
    of: (slug: string) => `${prefix}/${slug}`,
    /** The command a message on `topic` asks for, or null when the topic is none of the commands'. */
    command(topic: string, payload: string): Command | null {
      const found = command.exec(topic);
      if (!found) return null;
      const text = payload.trim();
      return { slug: found[1], type: found[2] as Command["type"], position: /^\d+$/.test(text) ? Number(text) : text };
    },
  };
}

/**
 * A telegraph's state as retained messages: the order as JSON (`null` without one) and its label
 * alone (empty without one: what a select shows), the answer as JSON, and whether the order is
 * acknowledged.
 */
export function stateMessages(topics: ReturnType<typeof topicsOf>, slug: string, { order, answer, acknowledged }: Snapshot): [string, string][] {
  const at = topics.of(slug);
  return [
    [`${at}/order`, JSON.stringify(order ?? null)],
    [`${at}/order/name`, order?.label ?? ""],
    [`${at}/answer`, JSON.stringify(answer ?? null)],
    [`${at}/acknowledged`, String(acknowledged)],
  ];
}
