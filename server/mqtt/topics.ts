// The MQTT bridge's topics and what they say (docs/home-assistant.md), pure: the bridge
// (bridge.ts) publishes these and reads commands with them.
import type { Face, Snapshot } from "../../lib/protocol";

/** What `…/answer/set` says to answer the current order with its own position (Home Assistant's "Answer" button). */
export const CURRENT = "current";
/** Where Home Assistant looks for devices, and says it is back (`online` on `homeassistant/status`). */
export const DISCOVERY = "homeassistant";

/** An order or answer asked for on `<prefix>/<slug>/order/set` or `…/answer/set`: a position's number, name or label. */
export interface Command {
  slug: string;
  type: "order" | "answer";
  position: number | string;
}

export function topicsOf(prefix: string) {
  const command = new RegExp(`^${prefix.replace(/[-/]/g, "\\$&")}/([^/]+)/(order|answer)/set$`);
  /** This server's devices in discovery: its prefix names them, so two servers on one broker do not meet. */
  const node = `chadburn_${prefix.replace(/\W/g, "_")}`;
  return {
    /** "online" or "offline" (the Last Will), retained. */
    availability: `${prefix}/availability`,
    orderSet: `${prefix}/+/order/set`,
    answerSet: `${prefix}/+/answer/set`,
    /** Every discovery config there is: this server's are found among them by their object id. */
    discovered: `${DISCOVERY}/+/+/config`,
    birth: `${DISCOVERY}/status`,
    node,
    of: (slug: string) => `${prefix}/${slug}`,
    /** The command a message on `topic` asks for, or null when the topic is none of the commands'. */
    command(topic: string, payload: string): Command | null {
      const found = command.exec(topic);
      if (!found) return null;
      const text = payload.trim();
      return { slug: found[1], type: found[2] as Command["type"], position: /^\d+$/.test(text) ? Number(text) : text };
    },
    /** The telegraph's slug a discovery config of this server's is for, or null. */
    discoveredSlug(topic: string): string | null {
      const found = new RegExp(`^${DISCOVERY}/\\w+/${node}_([a-z0-9-]+)_(order|answer|last_answer)/config$`).exec(topic); // a slug has no "_"
      return found ? found[1] : null;
    },
  };
}

type Topics = ReturnType<typeof topicsOf>;

/**
 * A telegraph's state as retained messages: the order as JSON (`null` without one) and its label
 * alone (empty without one: what a select shows), the answer as JSON with its label and how long
 * the order waited for it, whether the order is acknowledged, and whether the telegraph itself is
 * there (its serial line connected; a status file always is).
 */
export function stateMessages(topics: Topics, slug: string, { order, answer, acknowledged, face, telegraph }: Snapshot): [string, string][] {
  const at = topics.of(slug);
  const label = answer && face.find((p) => p.position === answer.position)?.label;
  const waited =
    answer && order && answer.seq === order.seq ? { waitedSeconds: Math.round((Date.parse(answer.at) - Date.parse(order.at)) / 1000) } : {};
  return [
    [`${at}/order`, JSON.stringify(order ?? null)],
    [`${at}/order/name`, order?.label ?? ""],
    [`${at}/answer`, JSON.stringify(answer ? { ...answer, label, ...waited } : null)],
    [`${at}/acknowledged`, String(acknowledged)],
    [`${at}/availability`, telegraph.connected ? "online" : "offline"],
  ];
}

/**
 * Home Assistant's discovery of one telegraph, retained: a device with a select (the order: the
 * face's labels), a button "Answer" (the current order) and a sensor for the last answer, the
 * time it waited among its attributes. The device is named "Chadburn" and the telegraph's `title`.
 */
export function discoveryMessages(topics: Topics, slug: string, title: string, face: Face): [string, string][] {
  const at = topics.of(slug);
  const id = `${topics.node}_${slug}`;
  const device = { identifiers: [id], name: `Chadburn ${title}`, manufacturer: "Chadburn", model: "Engine order telegraph" };
  // Available while both the bridge and the telegraph are.
  const common = { availability: [{ topic: topics.availability }, { topic: `${at}/availability` }], availability_mode: "all", device };
  const config = (component: string, entity: string, body: object): [string, string] => [
    `${DISCOVERY}/${component}/${id}_${entity}/config`,
    JSON.stringify({ unique_id: `${id}_${entity}`, object_id: `${id}_${entity}`, ...common, ...body }),
  ];
  return [
    config("select", "order", {
      name: "Order",
      state_topic: `${at}/order/name`,
      command_topic: `${at}/order/set`,
      options: face.map((p) => p.label),
      icon: "mdi:ferry",
    }),
    config("button", "answer", { name: "Answer", command_topic: `${at}/answer/set`, payload_press: CURRENT, icon: "mdi:check" }),
    config("sensor", "last_answer", {
      name: "Last answer",
      state_topic: `${at}/answer`,
      value_template: "{{ value_json.label if value_json else 'none' }}",
      json_attributes_topic: `${at}/answer`,
      icon: "mdi:reply",
    }),
  ];
}
