// Limits per address with several nodes (issue 17): one allowance across the nodes, counted in
// Redis, so that a client sending to every node gets no more than from one; and each node counts
// alone, at once, while Redis does not answer.
import { describe, expect, it } from "vitest";
import { ASK_TIMEOUT_MS } from "../server/cluster/asks";
import { POSTS_PER_SECOND } from "../server/gateway/http";
import { ADDRESS_EVENTS_PER_SECOND } from "../server/gateway/socket";
import { clusterSuite } from "./support/cluster";
import type { ServerProcess } from "./support/processes";

const { redis, startNodes, writerOf, panelOf } = clusterSuite();

/** Two nodes on the data folder and Redis, once one of them writes. */
async function twoNodes(): Promise<ServerProcess[]> {
  const nodes = await startNodes(2);
  await writerOf(nodes);
  return nodes;
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

    redis().process().child.kill("SIGSTOP");
    try {
      const started = performance.now();
      const alone = await Promise.all(nodes.map((n) => post(n, 2)));
      // Counted by each node alone after a quarter second's wait for Redis, then taken or refused as
      // the lease allows (a node not the writer cannot ask it): none held for good, none refused as too many.
      expect(performance.now() - started).toBeLessThan(ASK_TIMEOUT_MS + 1000);
      expect(alone.map((r) => r.status)).not.toContain(429);
    } finally {
      redis().process().child.kill("SIGCONT");
    }
  });
});
