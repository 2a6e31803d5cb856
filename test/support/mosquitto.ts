// A real MQTT broker of a test's own: Debian's mosquitto (scripts/test.sh installs it), on a spare
// loopback port, with a config of its own and nothing kept on disk: a restart starts it empty.
import { writeFileSync } from "node:fs";
import { userInfo } from "node:os";
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
  const started = spawnReady(["mosquitto", "-c", config], (line) => (/mosquitto version \S+ running/.test(line) ? line : undefined), {
    what: `mosquitto on port ${port}`,
    ms: 10_000,
  });
  await started.ready;
  return started;
}

/** A broker over TLS that admits only clients with a certificate `cafile` vouches for (PEM files). */
export interface BrokerTls {
  cafile: string;
  certfile: string;
  keyfile: string;
}

/** Starts a broker whose config is kept in `dir`, over TLS if told; `stop` it when done. */
export async function startBroker(dir: string, tls?: BrokerTls): Promise<TestBroker> {
  const port = await freePort();
  const config = path.join(dir, "mosquitto.conf");
  const secured = tls
    ? `cafile ${tls.cafile}\ncertfile ${tls.certfile}\nkeyfile ${tls.keyfile}\nrequire_certificate true\nuse_identity_as_username true\n`
    : "allow_anonymous true\n";
  // As the test's user: run by root, mosquitto would become "mosquitto", who may not read the test's files.
  writeFileSync(config, `listener ${port} 127.0.0.1\n${secured}user ${userInfo().username}\npersistence false\nlog_dest stderr\n`);
  let running = await launch(config, port);
  return {
    url: `${tls ? "mqtts" : "mqtt"}://127.0.0.1:${port}`,
    process: () => running,
    stop: () => running.stop(),
    async restart() {
      await running.stop();
      running = await launch(config, port);
    },
  };
}
