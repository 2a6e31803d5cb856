// The node's connections to Redis (issue 17): one for commands, one that listens for the writers'
// replies, and one more per blocking read (node.ts). A Redis that goes away is reconnected to by
// node-redis itself; what depended on it says so (node.ts, replica.ts), once per outage.
import { createClient } from "redis";
import type { Logger } from "../log";
import { asker } from "./asks";
import type { Cluster } from "./node";

/** How long a writer's lease lasts: another node takes over within twice this after the writer dies. */
export const LEASE_MS = 3000;

export async function openCluster(url: string, log: Logger): Promise<Cluster & { downSince(): string | null; close(): Promise<void> }> {
  const made: { destroy(): void }[] = [];
  /** Since when a connection has not reached Redis (ISO time), or null. */
  let down: string | null = null;
  const connection = async () => {
    const client = createClient({ url });
    made.push(client);
    client.on("error", (error: Error) => {
      if (down) return;
      down = new Date().toISOString();
      log.warn(`Redis at ${new URL(url).host} does not answer: ${error.message}; trying again`);
    });
    client.on("ready", () => {
      if (down) log.info(`Redis at ${new URL(url).host} answers again`);
      down = null;
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
    async close() {
      for (const client of made) client.destroy();
    },
  };
}
