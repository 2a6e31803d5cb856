// What the suites on Redis share: one redis-server for a suite (redis-server.ts), and Redis
// clients ended after each test.
import { type RedisClientType, createClient } from "redis";
import { afterAll, afterEach, beforeAll } from "vitest";
import { type TestRedis, startRedis } from "./redis-server";

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
