// The node's connections to Redis (issue 17): one for commands, one that listens for the writers'
// replies, and one more per blocking read (node.ts). A Redis that goes away is reconnected to by
// node-redis itself; what depended on it says so (node.ts, replica.ts), once per outage.
import { createClient } from "redis";
import type { Logger } from "../log";
import { asker } from "./asks";
import type { Cluster } from "./node";

/** How long a writer's lease lasts: another node takes over within twice this after the writer dies. */
export const LEASE_MS = 3000;
/**
 * How long Redis may be away before panels are told their live updates are paused: a blip that
 * node-redis reconnects through unseen is no news, a frozen page that looks live is a lie.
 */
export const PAUSED_AFTER_MS = 2000;

export interface OpenCluster extends Cluster {
  downSince(): string | null;
  /** Tells `paused` since when the node cannot reach Redis, PAUSED_AFTER_MS into an outage (at once if it is paused now), and null once it can again. */
  onPaused(paused: (since: string | null) => void): void;
  close(): Promise<void>;
}

export async function openCluster(url: string, log: Logger): Promise<OpenCluster> {
  const made: { destroy(): void }[] = [];
  const host = new URL(url).host;
  /** The connections that cannot reach Redis now: the node is away while any one is. */
  const away = new Set<object>();
  /** Since when (ISO time) a connection has not reached Redis, or null. */
  let down: string | null = null;
  let pausing: NodeJS.Timeout | undefined;
  let told = false;
  let paused: (since: string | null) => void = () => {};
  const connection = async () => {
    const client = createClient({ url });
    made.push(client);
    client.on("error", (error: Error) => {
      away.add(client);
      if (down) return;
      down = new Date().toISOString();
      log.warn(`Redis at ${host} does not answer: ${error.message}; trying again`);
      pausing = setTimeout(() => ((told = true), paused(down)), PAUSED_AFTER_MS);
    });
    client.on("ready", () => {
      away.delete(client);
      if (!down || away.size > 0) return;
      log.info(`Redis at ${host} answers again`);
      down = null;
      clearTimeout(pausing);
      if (told) paused(null);
      told = false;
    });
    await client.connect();
    return client;
  };
  const redis = await connection();
  const ask = await asker(redis, await connection());
  return {
    redis,
    connect: connection,
    ask,
    leaseMs: LEASE_MS,
    downSince: () => down,
    onPaused(listener) {
      paused = listener;
      if (told) paused(down);
    },
    async close() {
      clearTimeout(pausing);
      for (const client of made) client.destroy();
    },
  };
}
