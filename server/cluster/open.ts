// The node's connections to Redis (issue 17): one for commands, one that listens for the writers'
// replies, and one more per blocking read (node.ts). A Redis that goes away is reconnected to by
// node-redis itself; what depended on it says so (node.ts, replica.ts), once per outage.
import { createClient } from "redis";
import type { Logger } from "../log";
import { type ListeningRedis, asker } from "./asks";
import type { Cluster } from "./node";

/** How long a writer's lease lasts: another node takes over within twice this after the writer dies. */
export const LEASE_MS = 3000;
/**
 * How long Redis may be away before panels are told their live updates are paused: a blip that
 * node-redis reconnects through unseen is no news, a frozen page that looks live is a lie.
 */
export const PAUSED_AFTER_MS = 2000;
/**
 * A Redis that is stopped, or a network that drops its packets, closes no connection: the node
 * asks it for a PING this often, and takes it as away when one is not answered within ANSWER_MS.
 */
const PING_EVERY_MS = 500;
const ANSWER_MS = 1000;

export interface OpenCluster extends Cluster {
  /** Since when (ISO time) the node cannot reach Redis, or null. */
  downSince(): string | null;
  /** The node's connection that listens (subscribes) to channels. */
  listen: ListeningRedis;
  /** Tells `paused` since when the node cannot reach Redis, PAUSED_AFTER_MS into an outage (at once if it is paused now), and null once it can again. */
  onPaused(paused: (since: string | null) => void): void;
  close(): Promise<void>;
}

export async function openCluster(url: string, log: Logger): Promise<OpenCluster> {
  const made: { destroy(): void }[] = [];
  const host = new URL(url).host;
  /** The connections that cannot reach Redis now, and whether a PING is late: the node is away while either is. */
  const unready = new Set<object>();
  let late = false;
  let down: string | null = null;
  let pausing: NodeJS.Timeout | undefined;
  let told = false;
  let paused: (since: string | null) => void = () => {};

  const check = (why = "") => {
    const away = unready.size > 0 || late;
    if (away && !down) {
      down = new Date().toISOString();
      log.warn(`Redis at ${host} does not answer: ${why}; trying again`);
      pausing = setTimeout(() => ((told = true), paused(down)), PAUSED_AFTER_MS);
    } else if (!away && down) {
      log.info(`Redis at ${host} answers again`);
      down = null;
      clearTimeout(pausing);
      if (told) paused(null);
      told = false;
    }
  };
  const connection = async () => {
    const client = createClient({ url });
    made.push(client);
    client.on("error", (error: Error) => (unready.add(client), check(error.message)));
    client.on("ready", () => (unready.delete(client), check()));
    await client.connect();
    return client;
  };
  const redis = await connection();
  let pinging = false;
  const heartbeat = setInterval(() => {
    if (pinging || !redis.isReady) return;
    pinging = true;
    const overdue = setTimeout(() => ((late = true), check(`no answer to a PING in ${ANSWER_MS} ms`)), ANSWER_MS);
    void redis
      .ping()
      .catch(() => {}) // the connection's own error says so
      .finally(() => {
        pinging = false;
        clearTimeout(overdue);
        late = false;
        check();
      });
  }, PING_EVERY_MS);
  const listen = await connection();
  const ask = await asker(redis, listen, () => !down);
  return {
    redis,
    listen,
    connect: connection,
    ask,
    leaseMs: LEASE_MS,
    downSince: () => down,
    onPaused(listener) {
      paused = listener;
      if (told) paused(down);
    },
    async close() {
      clearInterval(heartbeat);
      clearTimeout(pausing);
      for (const client of made) client.destroy();
    },
  };
}
