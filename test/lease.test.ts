// The writer's lease (server/cluster/lease.ts) against a real redis-server: one node acts at a
// time, a dead holder is replaced within twice the lease, and a node that may have lost the lease
// (Redis gone, Redis back empty, the node paused) stops acting before another can start.
import { performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { type Lease, holdLease } from "../server/cluster/lease";
import { redisForSuite } from "./support/redis";
import { waitFor } from "./support/wait";

const TTL = 600;
/** How late a timer may fire on a machine busy with the rest of the suite: the bounds below allow it, once. */
const LATE = 200;
const { redis, client: connected, after } = redisForSuite();

/** A node: its own Redis client and its lease, with when it gained and lost it (performance.now()). */
async function node(ttl = TTL) {
  const client = await connected();
  const events: { gained: number[]; lost: { at: number; why: string }[] } = { gained: [], lost: [] };
  const lease: Lease = holdLease(client, "lease:default", ttl, {
    gained: () => events.gained.push(performance.now()),
    lost: (why) => events.lost.push({ at: performance.now(), why }),
  });
  after(() => lease.release());
  return { client, lease, events };
}

/** Samples both nodes' held() every few milliseconds until `done`: how often both held it at once. */
async function bothHeld(a: Lease, b: Lease, done: () => boolean): Promise<number> {
  let both = 0;
  while (!done()) {
    if (a.held() && b.held()) both++;
    await new Promise((r) => setTimeout(r, 5));
  }
  return both;
}

describe("the writer's lease", () => {
  it("is one node's at a time; the first waits 70 % of the lease before it acts", async () => {
    const start = performance.now();
    const a = await node();
    await waitFor(() => a.events.gained.length, "a gains the lease");
    expect(a.events.gained[0] - start).toBeGreaterThanOrEqual(TTL * 0.7);
    const b = await node();
    await new Promise((r) => setTimeout(r, TTL * 2)); // b tries ten times meanwhile
    expect([a.lease.held(), b.lease.held(), b.events.gained.length]).toEqual([true, false, 0]);
  });

  it("passes to another node within twice the lease when its holder dies, never held by two", async () => {
    const a = await node();
    await waitFor(() => a.events.gained.length, "a gains the lease");
    const b = await node();
    const died = performance.now();
    a.client.destroy(); // as kill -9 would: no renewal, no release
    const both = bothHeld(a.lease, b.lease, () => b.events.gained.length > 0);
    await waitFor(() => b.events.gained.length, "b takes over", TTL * 4);
    expect(await both).toBe(0);
    expect(b.events.gained[0] - died).toBeLessThanOrEqual(TTL * 1.9 + LATE); // the key lives out the lease, b tries every fifth of it, then waits 70 %
    expect(a.events.lost.map((l) => l.why)).toEqual([expect.stringContaining("ran out")]);
    expect(a.events.lost[0].at).toBeLessThan(b.events.gained[0]);
  });

  it("released, is taken by the next node within the lease", async () => {
    const a = await node();
    await waitFor(() => a.events.gained.length, "a gains the lease");
    const b = await node();
    const released = performance.now();
    await a.lease.release();
    await waitFor(() => b.events.gained.length, "b takes over", TTL * 2);
    expect(b.events.gained[0] - released).toBeLessThanOrEqual(TTL * 0.9 + LATE); // b's next try, then its 70 %
  });

  it("is never held by two when Redis comes back empty within the lease, and one node holds it after", async () => {
    const ttl = 2000; // a restart takes a few hundred milliseconds: well within 70 % of this
    const a = await node(ttl);
    await waitFor(() => a.events.gained.length, "a gains the lease", ttl);
    const b = await node(ttl);
    let done = false;
    const both = bothHeld(a.lease, b.lease, () => done);
    await redis().restart();
    // Whichever node asks first once Redis is back takes the key; the other, if it was the holder, stops.
    const token = await waitFor(() => a.client.get("lease:default").catch(() => null), "a node took the key again", ttl);
    const [holder, other] = token === a.lease.token ? [a, b] : [b, a];
    await waitFor(() => holder.lease.held(), "the key's node acts", ttl);
    done = true;
    expect(await both).toBe(0);
    expect(other.lease.held()).toBe(false);
  });

  it("is one node's again, never two at once, when Redis comes back empty after the lease ran out", async () => {
    const a = await node();
    await waitFor(() => a.events.gained.length, "a gains the lease");
    const b = await node();
    let done = false;
    const both = bothHeld(a.lease, b.lease, () => done);
    redis().process().kill("SIGKILL");
    await waitFor(() => a.events.lost.length, "a steps down", TTL * 2);
    await redis().restart();
    await waitFor(() => a.lease.held() !== b.lease.held(), "one node acts again", TTL * 4);
    done = true;
    expect(await both).toBe(0);
  });

  it("stops acting before its key can expire when Redis stops answering", async () => {
    const a = await node();
    await waitFor(() => a.events.gained.length, "a gains the lease");
    const stopped = performance.now();
    redis().process().kill("SIGSTOP");
    after(() => redis().process().kill("SIGCONT"));
    await waitFor(() => a.events.lost.length, "a steps down", TTL * 2);
    // It acts until 70 % of the lease after its last renewal, asked before Redis stopped: before the key, which lives a whole lease after it, can expire.
    expect(a.events.lost[0].at - stopped).toBeLessThan(TTL);
    redis().process().kill("SIGCONT");
  });

  it("is not acted on by a node that wakes from a pause longer than the lease, before any of its timers run", async () => {
    const a = await node();
    await waitFor(() => a.events.gained.length, "a gains the lease");
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, TTL * 1.5); // the whole process stopped
    expect(a.lease.held()).toBe(false);
  });
});
