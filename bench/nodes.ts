// Chadburn on several nodes for `npm run bench -- --nodes N` (docs/scaling.md): one redis-server,
// then N production servers on one data folder, each with --redis, as a lab would run them on one
// machine. The writer (the lease's holder) reads the status file the bench writes; the others
// follow it through Redis. The clients are spread over the nodes (bench/measure.ts).
import { setTimeout as sleep } from "node:timers/promises";
import { becameWriter } from "../server/cluster/node";
import { startRedis } from "../test/support/redis-server";
import { messageOf } from "../test/support/spawn";
import { type BenchServer, type Start, onCleanUp, startServer } from "./server";

const WRITER = becameWriter("default");
/** After the last node listens: a writer acts only 70 % of its 3 s lease after taking it, a follower once it read the writer's snapshot. */
const READY_MS = 60_000;
const POLL_MS = 200;

const isReady = (url: string) =>
  fetch(`${url}/readyz`).then(
    (r) => r.ok,
    () => false,
  );

/** Starts Redis and `count` nodes; resolves once one of them writes and every one is ready (GET /readyz 200). */
export async function startNodes(count: number, options: Start): Promise<BenchServer> {
  const redis = await startRedis();
  onCleanUp(() => redis.stop()); // registered first, so cleanUp stops it after the nodes
  let writer = false;
  const watch = (line: string) => {
    try {
      if (messageOf(line) === WRITER) writer = true;
    } catch {
      // a line that looked like JSON and was not: not the one
    }
  };
  const nodes: BenchServer[] = [];
  // One after another: the first makes the data folder the others share.
  for (let i = 0; i < count; i++) {
    const dataDir = nodes[0]?.dir;
    nodes.push(
      await startServer({ ...options, name: `${options.name}-${i + 1}`, args: [...(options.args ?? []), "--redis", redis.url], dataDir, watch }),
    );
  }
  const deadline = Date.now() + READY_MS;
  while (!(writer && (await Promise.all(nodes.map((n) => isReady(n.url)))).every(Boolean))) {
    if (Date.now() > deadline)
      throw new Error(`${count} nodes: ${writer ? "not every node is ready" : "no node became the writer"} within ${READY_MS / 1000} s`);
    await sleep(POLL_MS);
  }
  return {
    ...nodes[0],
    nodes: nodes.map(({ url, pid }) => ({ url, pid })),
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()));
      await redis.stop();
    },
  };
}
