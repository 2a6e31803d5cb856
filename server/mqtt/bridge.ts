// The MQTT bridge (issue 18, docs/home-assistant.md): each telegraph's state, retained, under
// `<prefix>/<slug>/…` whenever it changes, and orders and answers taken from `…/order/set` and
// `…/answer/set` as the API takes them. The bridge's availability is its Last Will. A broker that
// goes away is retried by MQTT.js; the log and /healthz say so, once per outage.
import { randomBytes } from "node:crypto";
import mqtt from "mqtt";
import type { Reply, Snapshot } from "../../lib/protocol";
import type { MqttHealth } from "../../lib/routes";
import type { Logger } from "../log";
import { type Command, stateMessages, topicsOf } from "./topics";

export interface MqttSettings {
  url: string;
  prefix: string;
}

/** Distinct refusals logged, at most: a client sending garbage cannot fill the log. */
const LOGGED_AT_MOST = 100;

/**
 * Connects to the broker and keeps each telegraph's topics current: `snapshots` gives each one's
 * state now (published again at every connection, retained), `changed` publishes a change. `act`
 * takes a command (the client's id names it in the audit log).
 */
export function openMqttBridge(
  { url, prefix }: MqttSettings,
  snapshots: () => { slug: string; snapshot: Snapshot }[],
  act: (command: Command, client: string) => Promise<Reply>,
  log: Logger,
) {
  const topics = topicsOf(prefix);
  const clientId = `chadburn-${randomBytes(4).toString("hex")}`;
  const client = mqtt.connect(url, {
    clientId,
    // Retained "offline" when the connection ends badly (the broker says it for us), "online" on connect.
    will: { topic: topics.availability, payload: Buffer.from("offline"), qos: 1, retain: true },
    // Nothing stale once back: the state is published whole at every connection anyway.
    queueQoSZero: false,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
  });
  let down: string | undefined = new Date().toISOString();
  let saidDown = false;
  const logged = new Set<string>();
  const once = (line: string) => {
    if (logged.size >= LOGGED_AT_MOST || logged.has(line)) return;
    logged.add(line);
    log.warn(`mqtt: ${line}`);
  };

  const publish = (slug: string, snapshot: Snapshot) => {
    for (const [topic, payload] of stateMessages(topics, slug, snapshot)) client.publish(topic, payload, { qos: 1, retain: true });
  };

  client.on("connect", () => {
    if (saidDown) log.info(`mqtt: the broker at ${new URL(url).host} answers again`);
    down = undefined;
    saidDown = false;
    client.publish(topics.availability, "online", { qos: 1, retain: true });
    for (const { slug, snapshot } of snapshots()) publish(slug, snapshot);
    client.subscribe([topics.orderSet, topics.answerSet], { qos: 1 });
  });
  const lost = (why: string) => {
    down ??= new Date().toISOString();
    if (saidDown) return;
    saidDown = true;
    log.warn(`mqtt: the broker at ${new URL(url).host} does not answer (${why}); trying again every second`);
  };
  client.on("error", (error) => lost(error.message));
  client.on("offline", () => lost("offline"));

  client.on("message", (topic, payload, packet) => {
    const command = topics.command(topic, payload.toString("utf8"));
    if (!command) return;
    // A retained command would give an old order again at every restart of ours or the broker's.
    if (packet.retain) return once(`ignored a retained command on ${topic}: commands are acted on as they come, never kept`);
    void act(command, clientId).then((reply) => {
      if (reply.ok) return;
      once(`${topic} ${JSON.stringify(command.position)} refused: ${reply.error}`);
      const refused = snapshots().find(({ slug }) => slug === command.slug);
      if (refused) publish(refused.slug, refused.snapshot); // a control that showed the refused value shows the state again
    });
  });

  return {
    /** A telegraph's state changed: its topics say so (retained). */
    changed: (slug: string, snapshot: Snapshot) => client.connected && publish(slug, snapshot),
    health: (): MqttHealth => (down ? { broker: "not connected", since: down } : { broker: "connected" }),
    /** Says "offline" (retained) and disconnects. */
    async close(): Promise<void> {
      if (client.connected) await client.publishAsync(topics.availability, "offline", { qos: 1, retain: true }).catch(() => {});
      await client.endAsync();
    },
  };
}
