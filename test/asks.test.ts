// Orders and answers asked of the telegraph's writer from another node (server/cluster/asks.ts),
// against a real redis-server: the writer acts on each once and the asker gets its reply; with no
// writer, or one that lost its lease, the asker is told it was not taken, and nothing is acted on.
import { describe, expect, it } from "vitest";
import type { Reply } from "../lib/protocol";
import { asker, serveAsks } from "../server/cluster/asks";
import { redisForSuite } from "./support/redis";
import { waitFor } from "./support/wait";

const { client, after } = redisForSuite();

/** A node that asks, waiting `timeoutMs` at most for a reply. */
async function askingNode(timeoutMs?: number) {
  return asker(await client(), await client(), () => true, timeoutMs);
}

/** The writer: what it acted on, in turn; `held` says whether it holds the lease now. */
async function writer(reply: (what: unknown) => Reply = () => ({ ok: true }), held = () => true) {
  const acted: unknown[] = [];
  const serving = serveAsks(await client(), await client(), "default", held, async (what) => (acted.push(what), reply(what)));
  after(() => serving.stop());
  // Serving starts from the last ask there is once it has read it: a probe asked after that is acted on.
  const probe = await askingNode(200);
  await waitFor(async () => (await probe("default", "probe")).ok || null, "the writer serves", 5000); // each try waits its 200 ms for a reply
  acted.length = 0;
  return acted;
}

describe("asking the writer", () => {
  it("acts on each ask once and replies to the node that asked", async () => {
    const acted = await writer((what) => ((what as { position: number }).position > 11 ? { ok: false, error: "no such position" } : { ok: true }));
    const [a, b] = [await askingNode(), await askingNode()];
    const replies = await Promise.all([a("default", { position: 7 }), b("default", { position: 8 }), a("default", { position: 12 })]);
    expect(replies).toEqual([{ ok: true }, { ok: true }, { ok: false, error: "no such position" }]);
    expect(acted).toHaveLength(3); // each once, in the order they reached Redis
    expect(acted).toEqual(expect.arrayContaining([{ position: 7 }, { position: 8 }, { position: 12 }]));
  });

  it("with no writer serving, tells the asker so after its wait", async () => {
    const ask = await askingNode(300);
    expect(await ask("default", { position: 7 })).toEqual({ ok: false, error: "the telegraph's writer did not reply in time: try again" });
  });

  it("a writer that lost its lease acts on nothing; the asker is told it was not taken", async () => {
    let held = true;
    const acted = await writer(undefined, () => held);
    held = false;
    const ask = await askingNode(300);
    expect(await ask("default", { position: 7 })).toMatchObject({ ok: false });
    expect(acted).toEqual([]);
  });

  it("does not act on asks made before it served: their askers gave up", async () => {
    const early = await askingNode(100);
    expect((await early("default", { position: 1 })).ok).toBe(false);
    const acted = await writer();
    const ask = await askingNode();
    expect(await ask("default", { position: 2 })).toEqual({ ok: true });
    expect(acted).toEqual([{ position: 2 }]);
  });

  it("asks of one telegraph never reach another's writer", async () => {
    const acted = await writer();
    const ask = await askingNode(300);
    expect((await ask("workshop", { position: 7 })).ok).toBe(false);
    expect(acted).toEqual([]);
  });
});
