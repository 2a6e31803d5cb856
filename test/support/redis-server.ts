// A real redis-server of a test's own (Debian's package, which scripts/test.sh installs), on a
// spare loopback port, keeping nothing on disk: a restart starts it empty, as a Redis without
// persistence comes back after a crash.
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
