// A telegraph's state across nodes (server/cluster/replica.ts) against a real redis-server: the
// writer's changes reach every follower once and in order, a node without the lease cannot write,
// and a Redis that comes back empty is caught up with: nothing lost, doubled or reordered.
import { describe, expect, it } from "vitest";
import { DEFAULT_FACE } from "../lib/face";
import type { Change, Snapshot } from "../lib/protocol";
import { holdLease } from "../server/cluster/lease";
import { follower, keysOf, publisher } from "../server/cluster/replica";
import { type TelegraphState, changeOf, initial, snapshot, step } from "../server/telegraph/telegraph";
import { redisForSuite } from "./support/redis";
import { waitFor } from "./support/wait";

const FILES = { link: "status-file", connected: true, since: "2026-01-01T09:00:00.000Z" } as const;
const { redis, client, after } = redisForSuite();

/** A telegraph's core, as its writer runs it: each order steps it, and gives the snapshot and the change. */
function core(epoch = "e1") {
  let state: TelegraphState = initial(DEFAULT_FACE, FILES, epoch);
  return {
    snapshot: () => snapshot(state),
    order(n: number): { snapshot: Snapshot; change: Change } {
      const result = step(state, {
        type: "order",
        position: DEFAULT_FACE[n % 11],
        source: "panel",
        at: new Date(Date.UTC(2026, 0, 1, 10, 0, n)).toISOString(),
      });
      if (!result.ok) throw new Error(result.error);
      state = result.state;
      return { snapshot: snapshot(state), change: changeOf(result.facts[0], state) };
    },
  };
}

/** A node following the telegraph: every snapshot it read and every change it applied, in turn. */
async function following(slug = "default") {
  const seen: { states: Snapshot[]; versions: number[]; pauses: (string | undefined)[]; held: () => Snapshot | null } = {
    states: [],
    versions: [],
    pauses: [],
    held: () => null,
  };
  const node = follower(await client(), slug, {
    state: (s) => (seen.states.push(s), seen.versions.push(s.version)),
    change: (c) => seen.versions.push(c.version),
    paused: (why) => seen.pauses.push(why),
  });
  after(() => node.stop());
  seen.held = node.snapshot;
  return seen;
}

/** The writer: the lease held (waited for), and its publisher. */
async function writer(slug = "default") {
  const connection = await client();
  let gained = false;
  const lease = holdLease(connection, keysOf(slug).lease, 600, { gained: () => (gained = true), lost: () => {} });
  after(() => lease.release());
  await waitFor(() => gained, "the writer holds the lease", 2000);
  return publisher(connection, slug, () => lease.token);
}

describe("a telegraph's state in Redis", () => {
  it("reaches every follower: each change once and in order, ending on the writer's snapshot", async () => {
    const telegraph = core();
    const publish = await writer();
    expect(await publish.publish(telegraph.snapshot())).toBe("ok");
    const [a, b] = [await following(), await following()];
    await waitFor(() => a.states.length && b.states.length, "both read the snapshot");
    let last = telegraph.snapshot();
    for (let n = 1; n <= 30; n++) {
      const { snapshot, change } = telegraph.order(n);
      expect(await publish.publish(snapshot, change)).toBe("ok");
      last = snapshot;
    }
    for (const node of [a, b]) {
      await waitFor(() => node.held()?.version === 30, "the follower holds the last change");
      expect(node.versions).toEqual(Array.from({ length: 31 }, (_, i) => i)); // the snapshot's 0, then 1 to 30
      expect(node.held()).toEqual(last);
    }
  });

  it("a node that does not hold the lease cannot write", async () => {
    const telegraph = core();
    const publish = await writer();
    await publish.publish(telegraph.snapshot());
    const other = publisher(await client(), "default", () => "not the lease's token");
    const { snapshot, change } = telegraph.order(1);
    expect(await other.publish(snapshot, change)).toBe("fenced");
    const node = await following();
    await waitFor(() => node.states.length, "the follower read the snapshot");
    expect(node.held()?.version).toBe(0);
  });

  it("a follower joining late reads the snapshot, then follows from there", async () => {
    const telegraph = core();
    const publish = await writer();
    await publish.publish(telegraph.snapshot());
    for (let n = 1; n <= 5; n++) {
      const { snapshot, change } = telegraph.order(n);
      await publish.publish(snapshot, change);
    }
    const late = await following();
    await waitFor(() => late.states.length, "the follower read the snapshot");
    const { snapshot, change } = telegraph.order(200);
    await publish.publish(snapshot, change);
    await waitFor(() => late.held()?.version === snapshot.version, "the follower holds the last change");
    expect(late.held()).toEqual(snapshot);
  });

  it("with Redis back empty, followers pause, then read the snapshot the writer puts again: nothing lost, doubled or reordered", async () => {
    const telegraph = core();
    const publish = await writer();
    await publish.publish(telegraph.snapshot());
    const node = await following();
    for (let n = 1; n <= 3; n++) {
      const { snapshot, change } = telegraph.order(n);
      await publish.publish(snapshot, change);
    }
    await waitFor(() => node.held()?.version === 3, "the follower holds change 3");
    await redis().restart();
    await waitFor(() => node.pauses.length, "the follower says it is paused");
    // The writer carried on meanwhile (its files, its panels); once Redis is back it puts its snapshot there again.
    const meanwhile = telegraph.order(4);
    await waitFor(
      async () => (await publish.publish(meanwhile.snapshot).catch(() => "not yet")) === "ok",
      "the writer puts its snapshot again",
      5000,
    );
    await waitFor(() => node.held()?.version === 4, "the follower holds the writer's snapshot");
    const { snapshot, change } = telegraph.order(5);
    await publish.publish(snapshot, change);
    await waitFor(() => node.held()?.version === 5, "the follower follows again");
    expect(node.versions).toEqual([0, 1, 2, 3, 4, 5]);
    expect(node.pauses).toEqual([expect.any(String), undefined]);
    expect(node.held()).toEqual(snapshot);
  });
});
