// A telegraph's state across nodes (issue 17): its writer puts the snapshot and each change in
// Redis, and only while it holds the telegraph's lease (the script checks the lease's token, so a
// node that lost it cannot write); every other node follows the changes there and applies them as
// a panel does (lib/change.ts), reading the whole snapshot on a gap, another store (epoch), or a
// Redis that came back empty. Redis's keys, per telegraph:
//   chadburn:<slug>:lease    the writer's lease (lease.ts)
//   chadburn:<slug>:state    the latest snapshot, with its epoch and version
//   chadburn:<slug>:changes  a stream of the changes, the last CHANGES_KEPT or so; an entry "reset"
//                            where the snapshot does not follow from the one before (a new writer,
//                            a writer back after Redis was away): read the snapshot again
import { follow } from "../../lib/change";
import type { Change, Snapshot } from "../../lib/protocol";

/** About how many changes the stream keeps: a follower further behind reads the snapshot. */
export const CHANGES_KEPT = 1000;

export const keysOf = (slug: string) => ({
  lease: `chadburn:${slug}:lease`,
  state: `chadburn:${slug}:state`,
  changes: `chadburn:${slug}:changes`,
});

/** Sets the snapshot, and adds the change to the stream if it follows the snapshot before, else "reset". */
const PUBLISH = `
if redis.call("GET", KEYS[1]) ~= ARGV[1] then return "fenced" end
local before = redis.call("HMGET", KEYS[2], "epoch", "version")
redis.call("HSET", KEYS[2], "epoch", ARGV[2], "version", ARGV[3], "snapshot", ARGV[4])
if ARGV[5] ~= "" and before[1] == ARGV[2] and tonumber(before[2]) == tonumber(ARGV[3]) - 1 then
  redis.call("XADD", KEYS[3], "MAXLEN", "~", ARGV[6], "*", "change", ARGV[5])
else
  redis.call("XADD", KEYS[3], "MAXLEN", "~", ARGV[6], "*", "reset", ARGV[3])
end
return "ok"`;

/** The snapshot and the id of the stream's last entry, read together: following from there misses nothing. */
const READ = `
local last = redis.call("XREVRANGE", KEYS[2], "+", "-", "COUNT", 1)
return { redis.call("HGET", KEYS[1], "snapshot") or "", last[1] and last[1][1] or "0-0" }`;

/** What the replica uses of a node-redis client. */
export interface ReplicaRedis {
  /** Connected: while it is not, commands would wait in the client's queue, and pile up there. */
  isReady: boolean;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  xRead(streams: { key: string; id: string }, options: { BLOCK: number; COUNT: number }): Promise<unknown>;
}

/**
 * The writer's side: `publish(snapshot, change)` after each change of the core ("ok", or "fenced":
 * this node does not hold the lease); without a change, the snapshot alone (at start, and when Redis
 * is back), which followers read again.
 */
export function publisher(redis: ReplicaRedis, slug: string, token: () => string) {
  const keys = keysOf(slug);
  return {
    async publish(snapshot: Snapshot, change?: Change): Promise<"ok" | "fenced"> {
      const args = [
        token(),
        snapshot.epoch,
        String(snapshot.version),
        JSON.stringify(snapshot),
        change ? JSON.stringify(change) : "",
        String(CHANGES_KEPT),
      ];
      return (await redis.eval(PUBLISH, { keys: [keys.lease, keys.state, keys.changes], arguments: args })) as "ok" | "fenced";
    },
  };
}

export interface FollowerEvents {
  /** The whole snapshot, read from Redis: what panels get as `state`. */
  state(snapshot: Snapshot): void;
  /** A change applied onto the snapshot held: what panels get as `change`. */
  change(change: Change, snapshot: Snapshot): void;
  /** Redis did not answer (`error`), or answers again (undefined): following is paused meanwhile. */
  paused(error: string | undefined): void;
}

/** How long one read of a stream (changes, asks.ts' asks) waits before it asks again. */
export const BLOCK_MS = 1000;
/** How long a reader of a stream waits before it tries a Redis that did not answer again. */
export const RETRY_MS = 250;

/** What XREAD gives for one stream: its entries after the id asked, or null when none came in time. */
export type StreamRead = { messages: { id: string; message: Record<string, string> }[] }[] | null;

/**
 * Follows the telegraph `slug` in Redis on `redis`, a connection of its own (its reads block).
 * `snapshot()`: what it holds now (null before the writer put one there); `stop()` ends it.
 */
export function follower(redis: ReplicaRedis, slug: string, events: FollowerEvents) {
  const keys = keysOf(slug);
  let held: Snapshot | null = null;
  let from = "";
  let stopped = false;
  let paused: string | undefined;

  async function readSnapshot() {
    const [text, last] = (await redis.eval(READ, { keys: [keys.state, keys.changes], arguments: [] })) as [string, string];
    from = last;
    if (!text) return;
    held = JSON.parse(text) as Snapshot;
    events.state(held);
  }

  async function readChanges() {
    const reply = (await redis.xRead({ key: keys.changes, id: from }, { BLOCK: BLOCK_MS, COUNT: 100 })) as StreamRead;
    for (const { id, message } of reply?.[0]?.messages ?? []) {
      from = id;
      if (message.change === undefined) return readSnapshot(); // reset
      const next = follow(held, JSON.parse(message.change) as Change);
      if (!next) continue;
      if ("ask" in next) return readSnapshot();
      held = next.snapshot;
      events.change(JSON.parse(message.change) as Change, held);
    }
  }

  void (async () => {
    let fresh = true; // at start, and after Redis did not answer: the snapshot first
    while (!stopped) {
      try {
        if (!redis.isReady) throw new Error("not connected to Redis");
        if (fresh) await readSnapshot();
        fresh = false;
        if (paused !== undefined) events.paused((paused = undefined));
        await readChanges();
      } catch (error) {
        if (stopped) break;
        fresh = true;
        const why = (error as Error).message;
        if (paused === undefined) events.paused((paused = why));
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
  })();

  return {
    snapshot: () => held,
    stop() {
      stopped = true;
    },
  };
}
