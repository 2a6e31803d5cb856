// A real MQTT broker of a test's own: Debian's mosquitto (scripts/test.sh installs it), on a spare
// loopback port, with a config of its own and nothing kept on disk: a restart starts it empty.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { type Spawned, freePort, spawnReady } from "./spawn";

export interface TestBroker {
  url: string;
  /** The running process: kill -9 it, SIGSTOP it. */
  process(): Spawned;
  /** SIGTERM, and resolves once it has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  restart(): Promise<void>;
}

async function launch(config: string, port: number): Promise<Spawned> {
  const started = spawnReady(["mosquitto", "-c", config], (line) => (/Opening ipv4 listen socket on port \d+/.test(line) ? line : undefined), {
    what: `mosquitto on port ${port}`,
    ms: 10_000,
  });
  await started.ready;
  return started;
}

/** Starts a broker whose config is kept in `dir`; `stop` it when done. */
export async function startBroker(dir: string): Promise<TestBroker> {
  const port = await freePort();
  const config = path.join(dir, "mosquitto.conf");
  writeFileSync(config, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\n`);
  let running = await launch(config, port);
  return {
    url: `mqtt://127.0.0.1:${port}`,
    process: () => running,
    stop: () => running.stop(),
    async restart() {
      await running.stop();
      running = await launch(config, port);
    },
  };
}
