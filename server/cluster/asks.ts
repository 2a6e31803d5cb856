// Orders and answers given on a node that is not the telegraph's writer (issue 17): the node asks
// the writer through Redis and tells its panel what the writer replied, so a panel is told "ok"
// only once the writer took it. An ask goes into the telegraph's stream of asks; the writer reads
// them as they come, acts on each while it holds the lease, and publishes the reply on the asking
// node's channel. A writer that does not reply in time (none, or one that died) is an error to
// the panel, never a guess: the order, if it took effect, reaches the panel as every order does.
import { randomBytes } from "node:crypto";
import type { Reply } from "../../lib/protocol";
import { BLOCK_MS, RETRY_MS, type StreamRead } from "./replica";

/** How long a node waits for the writer's reply. */
export const ASK_TIMEOUT_MS = 5000;
/** Why an ask fails at once while the node cannot reach Redis (panels show their updates paused). */
export const UNREACHABLE = "this server cannot reach the telegraph's writer now (Redis does not answer): try again once live updates are back";
/** About how many asks the stream keeps: a writer reads them as they come. */
const ASKS_KEPT = 1000;

const asksOf = (slug: string) => `chadburn:${slug}:asks`;
const repliesOf = (node: string) => `chadburn:replies:${node}`;

/** What asking uses of node-redis clients: one that sends, one that listens for replies. */
export interface AskingRedis {
  xAdd(
    key: string,
    id: string,
    message: Record<string, string>,
    options: { TRIM: { strategy: "MAXLEN"; strategyModifier: "~"; threshold: number } },
  ): Promise<unknown>;
}
export interface ListeningRedis {
  subscribe(channel: string, listener: (message: string) => void): Promise<void>;
}

/** A node's asker: `ask(slug, what)` resolves with the writer's reply, or an error after ASK_TIMEOUT_MS. */
export async function asker(
  send: AskingRedis,
  listen: ListeningRedis,
  /** Whether the node reaches Redis now (open.ts): asks fail at once while it does not. */
  reachable: () => boolean,
  timeoutMs = ASK_TIMEOUT_MS,
) {
  const node = randomBytes(8).toString("hex");
  const waiting = new Map<string, (reply: Reply) => void>();
  await listen.subscribe(repliesOf(node), (message) => {
    const { id, reply } = JSON.parse(message) as { id: string; reply: Reply };
    waiting.get(id)?.(reply);
  });
  let count = 0;
  return async function ask(slug: string, what: unknown): Promise<Reply> {
    // Not queued until Redis is back: whoever gave it would wait for a reply that means nothing by then.
    if (!reachable()) return { ok: false, error: UNREACHABLE };
    const id = String(++count);
    const replied = new Promise<Reply>((resolve) => {
      const timer = setTimeout(() => settle({ ok: false, error: "the telegraph's writer did not reply in time: try again" }), timeoutMs);
      const settle = (reply: Reply) => {
        clearTimeout(timer);
        waiting.delete(id);
        resolve(reply);
      };
      waiting.set(id, settle);
    });
    // Not awaited: a Redis that stopped answering holds the command for good, and the reply's timeout must still come.
    const trim = { TRIM: { strategy: "MAXLEN", strategyModifier: "~", threshold: ASKS_KEPT } } as const;
    send
      .xAdd(asksOf(slug), "*", { node, id, what: JSON.stringify(what) }, trim)
      .catch((error: Error) => waiting.get(id)?.({ ok: false, error: `the telegraph's writer cannot be reached: ${error.message}` }));
    return replied;
  };
}

/** What serving asks uses of node-redis clients: one whose reads block, and one that publishes. */
export interface ServingRedis {
  isReady: boolean;
  xRevRange(key: string, end: string, start: string, options: { COUNT: number }): Promise<{ id: string }[] | null>;
  xRead(streams: { key: string; id: string }, options: { BLOCK: number; COUNT: number }): Promise<unknown>;
}
export interface PublishingRedis {
  publish(channel: string, message: string): Promise<unknown>;
}

/**
 * The writer's side: acts on each ask of the telegraph `slug` that comes from now on with `act`,
 * while `held()` (the lease) says it may, and replies. `stop()` ends it.
 */
export function serveAsks(
  read: ServingRedis,
  reply: PublishingRedis,
  slug: string,
  held: () => boolean,
  act: (what: unknown) => Promise<Reply>, // what it replies may say more (a Handled's snapshot): it goes as it is
) {
  let stopped = false;
  let from: string | undefined;
  void (async () => {
    while (!stopped) {
      try {
        if (!read.isReady) throw new Error("not connected");
        // From the last ask there is now: older ones were asked of another writer, or of none, and their askers gave up.
        from ??= (await read.xRevRange(asksOf(slug), "+", "-", { COUNT: 1 }))?.[0]?.id ?? "0-0";
        const got = (await read.xRead({ key: asksOf(slug), id: from }, { BLOCK: BLOCK_MS, COUNT: 100 })) as StreamRead;
        for (const { id: entry, message } of got?.[0]?.messages ?? []) {
          from = entry;
          if (!held()) continue; // another node's to act on, if anyone's: the asker hears nothing, and says so
          const { node, id, what } = message;
          let answer: Reply;
          try {
            answer = await act(JSON.parse(what));
          } catch (error) {
            answer = { ok: false, error: (error as Error).message };
          }
          await reply.publish(repliesOf(node), JSON.stringify({ id, reply: answer })).catch(() => {});
        }
      } catch {
        if (stopped) break;
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
  })();
  return {
    stop() {
      stopped = true;
    },
  };
}
