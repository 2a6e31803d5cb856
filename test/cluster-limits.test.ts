// Limits per address with several nodes (issue 17): one allowance across the nodes, counted in
// Redis, so that a client sending to every node gets no more than from one; and each node counts
// alone, at once, while Redis does not answer.
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ASK_TIMEOUT_MS } from "../server/cluster/asks";
import { POSTS_PER_SECOND } from "../server/gateway/http";
import { ADDRESS_EVENTS_PER_SECOND } from "../server/gateway/socket";
import { tempDir } from "./support/files";
import { type Client, connect, stateWhere } from "./support/panels";
import { type ServerProcess, spawnServer } from "./support/processes";
import { type TestRedis, startRedis } from "./support/redis-server";
import { tracker } from "./support/track";
import { waitFor, within } from "./support/wait";

const track = tracker();
let redis: TestRedis;
let dir: string;
const WRITER = 'this node is the writer of the telegraph "default"';

beforeAll(async () => {
  redis = await startRedis();
});
beforeEach(async () => {
  dir = track.dir(await tempDir());
});
afterEach(() => track.cleanup());
afterAll(() => redis.stop());

async function twoNodes(): Promise<ServerProcess[]> {
  const nodes = await Promise.all([0, 1].map(() => spawnServer(path.join(dir, "data"), { args: ["--redis", redis.url, "--anonymous", "bridge"] })));
  for (const n of nodes) track.server(n);
  await waitFor(() => nodes.find((n) => n.logs.includes(WRITER)), "a writer", 10_000);
  return nodes;
}

async function panelOf(server: { url: string }): Promise<Client> {
  const { client, first } = track.client(await connect(server.url));
  if (!first.epoch)
    await within(
      stateWhere(client, (s) => !!s.epoch),
      "the writer's snapshot",
      10_000,
    );
  return client;
}

const refusedFromHere = (error: string | undefined) => !!error?.startsWith("too many requests from 127.0.0.1");

describe("limits per address across nodes", { timeout: 60_000 }, () => {
  it("orders and answers from one address, sent to both nodes at once, share one allowance", async () => {
    const nodes = await twoNodes();
    // Two panels on each node, each under its own limit per connection (10 a second), 8 orders each: 32 from one address.
    const panels = [await panelOf(nodes[0]), await panelOf(nodes[0]), await panelOf(nodes[1]), await panelOf(nodes[1])];
    const replies = await Promise.all(
      panels.flatMap((panel) => [1, 2, 3, 4, 5, 6, 7, 8].map((position) => panel.emitWithAck("order", { position }))),
    );
    const refused = replies.filter((reply) => !reply.ok && refusedFromHere(reply.error));
    // Each node alone would have let its 16 through; together they let the address's 20 through, and refuse the rest.
    expect(refused.length).toBeGreaterThan(0);
    expect(replies.length - refused.length).toBeGreaterThanOrEqual(ADDRESS_EVENTS_PER_SECOND);
  });

  it("HTTP posts too; and with Redis stopped, each node counts alone at once", async () => {
    const nodes = await twoNodes();
    const post = (n: ServerProcess, position: number) =>
      fetch(`${n.url}/api/order`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ position }) });
    const burst = async () =>
      (await Promise.all([...Array(POSTS_PER_SECOND)].flatMap((_, i) => nodes.map((n) => post(n, 1 + (i % 8)))))).map((r) => r.status);
    const shared = await burst();
    expect(shared.filter((status) => status === 429).length).toBeGreaterThan(0);

    redis.process().child.kill("SIGSTOP");
    try {
      const started = performance.now();
      const alone = await Promise.all(nodes.map((n) => post(n, 2)));
      // Counted by each node alone after a quarter second's wait for Redis, then taken or refused as
      // the lease allows (a node not the writer cannot ask it): none held for good, none refused as too many.
      expect(performance.now() - started).toBeLessThan(ASK_TIMEOUT_MS + 1000);
      expect(alone.map((r) => r.status)).not.toContain(429);
    } finally {
      redis.process().child.kill("SIGCONT");
    }
  });
});
