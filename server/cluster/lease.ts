// Which node is a telegraph's writer, with several nodes on Redis (docs/scaling.md): the one that
// holds its lease, a key in Redis with a random token and an expiry, taken when no one holds it
// and extended only by its holder, in one script (Redis's own pattern for a lock on one instance). No node acts on a lease it may have lost:
// - a holder counts its lease from when it asked, not from Redis's answer, and stops acting at 70 %
//   of it unless renewed, well before the key can expire (Redis down, the node stopped);
// - a node that takes the lease afresh waits 70 % of it before acting: a Redis that came back
//   empty (no persistence) lets another take the key while the last holder still acts on its
//   last renewal; that holder stops by then.
// A dead holder's key expires within the lease; the next node, trying every fifth of it, takes it
// within a fifth more and acts 70 % later: within 1.9 times the lease.
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";

/** What the lease uses of a node-redis client. */
export interface LeaseRedis {
  /** Connected: while it is not, a command would wait in the client's queue (and a try each fifth of the lease pile up there). */
  isReady: boolean;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/** How long, as a part of the lease, a node acts on it after asking for it; and how long one that took it afresh waits. */
const ACTS = 0.7;
/** How often, as a part of the lease, a node tries for it: a holder renews three times before it must stop. */
const TRIES = 0.2;

/** Takes the lease if no one holds it, or extends it for its holder: 1 if this node holds it now. */
const TAKE = `
local held = redis.call("GET", KEYS[1])
if held == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) end
if not held then redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[2]) return 1 end
return 0`;
/** Gives the lease up, only if this node holds it. */
const RELEASE = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`;

export interface LeaseEvents {
  /** This node is the writer now. */
  gained(): void;
  /** It is not any more (`why`, for the log); it keeps trying, and may gain it again. */
  lost(why: string): void;
  /** Redis says this node holds the lease, after each try that found it so (the key is there again after Redis came back empty). */
  renewed?(): void;
}

export interface Lease {
  /** This node's token in the key while it holds it: what a write checks in Redis (replica.ts). */
  token: string;
  /** Whether this node may act as the writer now: asked before every write, so a node that woke from a pause does not write. */
  held(): boolean;
  /** Stops trying; gives the lease up if held, so another node takes over at once. */
  release(): Promise<void>;
}

/**
 * Tries for the lease `key` every fifth of `ttlMs`, and keeps it while it can. `events` say when
 * this node becomes the writer and stops being it; `held()` is the check at the moment of a write.
 */
export function holdLease(redis: LeaseRedis, key: string, ttlMs: number, events: LeaseEvents): Lease {
  const token = randomBytes(16).toString("hex");
  /** When this node may act from, and until (performance.now(), which runs on while the process is stopped). */
  let from = Infinity;
  let until = -Infinity;
  let acting = false;
  let stopped = false;
  let tries: NodeJS.Timeout | undefined;
  let edge: NodeJS.Timeout | undefined;

  const held = () => {
    const now = performance.now();
    return now >= from && now < until;
  };
  /** Says `gained` or `lost` when held() changed, and wakes up again when it next changes by itself. */
  const settle = (why: string) => {
    if (held() !== acting) {
      acting = !acting;
      if (acting) events.gained();
      else events.lost(why);
    }
    clearTimeout(edge);
    const now = performance.now();
    const next = Math.min(...[from, until].filter((t) => t > now));
    if (Number.isFinite(next)) edge = setTimeout(() => settle(RAN_OUT), next - now + 1);
  };

  async function attempt() {
    const asked = performance.now();
    const inTime = asked < until;
    let holds: boolean;
    try {
      if (!redis.isReady) throw new Error("not connected");
      // A Redis that is stopped, or a connection gone without a word, never answers: the next try does not wait for it.
      const answer = redis.eval(TAKE, { keys: [key], arguments: [token, String(ttlMs)] });
      answer.catch(() => {}); // one that comes after the timeout
      holds = (await Promise.race([answer, timeout(ttlMs * TRIES)])) === 1;
    } catch (error) {
      return settle(`Redis did not answer: ${(error as Error).message}`); // acting on until it runs out
    }
    if (stopped) return;
    if (holds) {
      if (!inTime) from = asked + ttlMs * ACTS; // taken afresh: wait out any holder before
      until = asked + ttlMs * ACTS;
    } else {
      from = Infinity;
      until = -Infinity;
    }
    settle("another node holds the lease");
    if (holds) events.renewed?.();
  }

  const loop = async () => {
    await attempt();
    if (!stopped) tries = setTimeout(() => void loop(), ttlMs * TRIES);
  };
  void loop();

  return {
    token,
    held,
    async release() {
      stopped = true;
      clearTimeout(tries);
      from = Infinity;
      until = -Infinity;
      settle("released");
      clearTimeout(edge);
      await redis.eval(RELEASE, { keys: [key], arguments: [token] }).catch(() => {});
    },
  };
}

/** Fails after `ms`. */
const timeout = (ms: number) => new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms).unref());

const RAN_OUT = "the lease ran out before it was renewed (Redis did not answer in time, or this node was paused)";
