// What the suites of several nodes share (issue 17, docs/scaling.md): a real redis-server for the
// suite, a data folder for each test's nodes, nodes as processes on loopback sharing it, and
// panels that hold the telegraph as Redis has it.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { becameWriter, noLongerWriter } from "../../server/cluster/node";
import { tempDir } from "./files";
import { type Client, connect, stateWhere } from "./panels";
import { type ServerProcess, spawnServer } from "./processes";
import { type TestRedis, startRedis } from "./redis-server";
import { tracker } from "./track";
import { waitFor, within } from "./wait";

/** What a node logs when it becomes the default telegraph's writer, and when it stops being it. */
export const WRITER = becameWriter("default");
export const NO_LONGER = noLongerWriter("default");

type ClientOptions = Parameters<typeof connect>[1];

/** For a suite: call at its top; what a test made is undone after it. */
export function clusterSuite() {
  const track = tracker();
  let redis: TestRedis;
  let dir: string;
  beforeAll(async () => {
    redis = await startRedis();
  });
  beforeEach(async () => {
    dir = track.dir(await tempDir());
  });
  afterEach(() => track.cleanup());
  afterAll(() => redis.stop());
  /** A node on the test's data folder and Redis, with `--anonymous bridge`, `args` and `env` besides. */
  async function node(args: string[] = [], env?: Record<string, string>): Promise<ServerProcess> {
    return track.server(await spawnServer(path.join(dir, "data"), { args: ["--redis", redis.url, "--anonymous", "bridge", ...args], env }));
  }
  return {
    track,
    redis: () => redis,
    /** The test's folder; the nodes' data folder is `data` in it. */
    dir: () => dir,
    node,
    /**
     * `count` nodes (as `node` makes them) started at once, as a deployment starts them (test/store-open.test.ts). All settle before a failure
     * is told: a node still starting would outlive the test's cleanup, and hold the next test's lease in the suite's Redis.
     */
    async startNodes(count: number, args: string[] = [], env?: Record<string, string>): Promise<ServerProcess[]> {
      const started = await Promise.allSettled(Array.from({ length: count }, () => node(args, env)));
      for (const one of started) if (one.status === "rejected") throw one.reason;
      return started.map((one) => (one as PromiseFulfilledResult<ServerProcess>).value);
    },
    /** The node of `nodes` that says it is the writer, once one does. */
    writerOf: (nodes: ServerProcess[], ms = 10_000) => waitFor(() => nodes.find((n) => n.logs.includes(WRITER)), "a writer", ms),
    /** A panel of `server` (WebSocket, unless `options` say more), once it holds the writer's snapshot (an epoch). */
    async panelOf(server: { url: string }, options: ClientOptions = {}): Promise<Client> {
      const { client, first } = track.client(await connect(server.url, options));
      if (!first.epoch)
        await within(
          stateWhere(client, (s) => !!s.epoch),
          "the writer's snapshot",
          10_000,
        );
      return client;
    },
    /** The telegraph writes `position` into the nodes' status file. */
    status: (position: number) => writeFileSync(path.join(dir, "data", "status.eot"), `${position}\n`),
  };
}
