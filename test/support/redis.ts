// A real redis-server of a test's own (Debian's package, which scripts/test.sh installs), on a
// spare loopback port, keeping nothing on disk: a restart starts it empty, as a Redis without
// persistence comes back after a crash.
import { type RedisClientType, createClient } from "redis";
import { afterAll, afterEach, beforeAll } from "vitest";
import { type Spawned, freePort, spawnReady } from "./spawn";

export interface TestRedis {
  url: string;
  port: number;
  /** The running process: kill -9 it, SIGSTOP it. */
  process(): Spawned;
  /** SIGTERM, and resolves once it has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  restart(): Promise<void>;
}

function launch(port: number): Promise<Spawned> {
  // prettier-ignore
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", "/tmp"];
  const started = spawnReady(["redis-server", ...args], (line) => (/Ready to accept connections/.test(line) ? line : undefined), {
    what: `redis-server on port ${port}`,
    ms: 10_000,
  });
  return started.ready.then(() => started);
}

/** Starts a redis-server; `stop` it when done. */
export async function startRedis(): Promise<TestRedis> {
  let port = await freePort();
  let running = await launch(port).catch(async () => launch((port = await freePort()))); // taken meanwhile: once more
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    process: () => running,
    stop: () => running.stop(),
    async restart() {
      await running.stop();
      running = await launch(port);
    },
  };
}

/**
 * For a suite: a redis-server started before it and stopped after it, and what a test made of it
 * (clients, followers) ended after that test, the last made first.
 */
export function redisForSuite() {
  let redis: TestRedis;
  const cleanups: (() => unknown)[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis.stop());
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return {
    redis: () => redis,
    /** Ends `end` after the test, before what was made before it. */
    after(end: () => unknown) {
      cleanups.push(end);
    },
    /** A client of its own, connected; one that loses Redis keeps trying (what uses it says so). */
    async client(): Promise<RedisClientType> {
      const made: RedisClientType = createClient({ url: redis.url, socket: { reconnectStrategy: () => 50 } });
      made.on("error", () => {});
      await made.connect();
      cleanups.push(() => made.isOpen && made.destroy()); // a test may have cut it off
      return made;
    },
  };
}
