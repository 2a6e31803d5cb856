// The MQTT bridge (issue 18, docs/home-assistant.md): each telegraph's state, retained, under
// `<prefix>/<slug>/…` whenever it changes, and orders and answers taken from `…/order/set` and
// `…/answer/set` as the API takes them. The bridge's availability is its Last Will. A broker that
// goes away is retried by MQTT.js; the log and /healthz say so, once per outage.
import { randomBytes } from "node:crypto";
import mqtt from "mqtt";
import type { Reply, Snapshot } from "../../lib/protocol";
import type { MqttHealth } from "../../lib/routes";
import type { Logger } from "../log";
import { type Command, discoveryMessages, stateMessages, topicsOf } from "./topics";

export interface MqttSettings {
  url: string;
  prefix: string;
  /** A client certificate and its key, and certificates to trust (mqtts://). */
  tls?: { cert?: Buffer; key?: Buffer; ca?: Buffer };
}

/** A broker gone is tried again after a second, then less and less often, at least every half minute. */
const FIRST_RETRY_MS = 1000;
const LAST_RETRY_MS = 30_000;
/** Distinct refusals logged, at most: a client sending garbage cannot fill the log. */
const LOGGED_AT_MOST = 100;

/** A telegraph as the bridge tells of it. */
export interface Told {
  slug: string;
  title: string;
  snapshot: Snapshot;
}

/**
 * Connects to the broker and keeps each telegraph's topics current: `telegraphs` gives each one's
 * state now (published again at every connection, retained, with Home Assistant's discovery),
 * `changed` publishes a change. `act` takes a command (the client's id names it in the audit log).
 */
export function openMqttBridge(
  { url, prefix, tls }: MqttSettings,
  telegraphs: () => Told[],
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
    reconnectPeriod: FIRST_RETRY_MS,
    connectTimeout: 10_000,
    ...tls,
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

  /** Everything there is to say: availability, each telegraph's discovery and state. */
  const tellAll = () => {
    client.publish(topics.availability, "online", { qos: 1, retain: true });
    for (const { slug, title, snapshot } of telegraphs()) {
      for (const [topic, payload] of discoveryMessages(topics, slug, title, snapshot.face)) client.publish(topic, payload, { qos: 1, retain: true });
      publish(slug, snapshot);
    }
  };
  client.on("connect", () => {
    if (saidDown) log.info(`mqtt: the broker at ${new URL(url).host} answers again`);
    down = undefined;
    saidDown = false;
    client.options.reconnectPeriod = FIRST_RETRY_MS;
    tellAll();
    client.subscribe([topics.orderSet, topics.answerSet, topics.birth, topics.discovered], { qos: 1 });
  });
  const lost = (why: string) => {
    // Each try waits half as long again as the one before, up to LAST_RETRY_MS (MQTT.js reads the option at each).
    if (down) client.options.reconnectPeriod = Math.min(client.options.reconnectPeriod! * 1.5, LAST_RETRY_MS);
    down ??= new Date().toISOString();
    if (saidDown) return;
    saidDown = true;
    log.warn(`mqtt: the broker at ${new URL(url).host} does not answer (${why}); trying again`);
  };
  client.on("error", (error) => lost(error.message));
  client.on("offline", () => lost("offline"));

  client.on("message", (topic, payload, packet) => {
    const text = payload.toString("utf8");
    // Home Assistant back (its birth message): it may have forgotten what it was told.
    if (topic === topics.birth) return void (text === "online" && tellAll());
    // A discovery config of ours for a telegraph no longer served: emptied, Home Assistant forgets it.
    const discovered = topics.discoveredSlug(topic);
    if (discovered !== null) {
      if (text && !telegraphs().some(({ slug }) => slug === discovered)) client.publish(topic, "", { qos: 1, retain: true });
      return;
    }
    const command = topics.command(topic, text);
    if (!command) return;
    // A retained command would give an old order again at every restart of ours or the broker's.
    if (packet.retain) return once(`ignored a retained command on ${topic}: commands are acted on as they come, never kept`);
    void act(command, clientId)
      .catch((error: Error) => ({ ok: false as const, error: error.message }))
      .then((reply) => {
        if (reply.ok) return;
        once(`${topic} ${JSON.stringify(command.position)} refused: ${reply.error}`);
        const refused = telegraphs().find(({ slug }) => slug === command.slug);
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
