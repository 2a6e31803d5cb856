// The real server in this process, on loopback, with its own temporary files and a log the test reads.
import path from "node:path";
import { Writable } from "node:stream";
import type { Face } from "../../lib/protocol";
import { DEFAULT_FACE } from "../../lib/face";
import { type Chadburn, startChadburn } from "../../server/chadburn";
import { type Logger, createLogger } from "../../server/log";
import type { AnonymousRole } from "../../server/people/identity";
import type { PushSettings } from "../../server/push/send";
import type { TelegraphSpec } from "../../server/config-telegraphs";
import type { Config } from "../../server/config";
import { tempDir } from "./files";

export interface TestServer {
  url: string;
  dir: string;
  statusFile: string;
  acceptFile: string;
  /** Every line the server logged, newest last. */
  logs: string[];
  chadburn: Chadburn;
  /** Stops the server (not the files: a restart can use them again). */
  stop(): Promise<void>;
}

/** A real logger whose messages are kept, newest last. */
export function captureLog(): { log: Logger; logs: string[] } {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) logs.push(JSON.parse(line).msg);
      done();
    },
  });
  return { log: createLogger("info", sink), logs };
}

export interface ServerOptions {
  dir?: string;
  /** 0 (the system picks one) unless told. */
  port?: number;
  face?: Face;
  serial?: string;
  anonymous?: AnonymousRole;
  allowedOrigins?: string[];
  trustProxy?: string[];
  /** HTTPS and WSS with this certificate and key (PEM); the url is then https://. */
  tls?: { cert: Buffer; key: Buffer };
  /** Web Push's settings: the push tests' own service on loopback needs `insecureEndpoints`. */
  push?: PushSettings;
  /** --public-url, --metrics-token, --metrics-public. */
  publicUrl?: string;
  metricsToken?: string;
  metricsPublic?: boolean;
  /** --mqtt and its settings: a broker of the test's own (test/support/mosquitto.ts). */
  mqtt?: Config["mqtt"];
  /** Several telegraphs (the options above that describe one are then unused), and which is the default (null: none). */
  telegraphs?: TelegraphSpec[];
  defaultTelegraph?: string | null;
}

/** A telegraph with its own status and accept files in a folder of `dir` named by its slug, for `telegraphs`. */
export const withFiles = (dir: string, slug: string, title: string): TelegraphSpec => ({
  slug,
  title,
  face: DEFAULT_FACE,
  statusFile: path.join(dir, slug, "status.eot"),
  acceptFile: path.join(dir, slug, "accept.eot"),
  baud: 9600,
});

export async function startServer(options: ServerOptions = {}): Promise<TestServer> {
  const dir = options.dir ?? (await tempDir());
  const { log, logs } = captureLog();
  const statusFile = path.join(dir, "status.eot");
  const acceptFile = path.join(dir, "accept.eot");
  const chadburn = await startChadburn(
    {
      port: options.port ?? 0,
      host: "127.0.0.1",
      dataDir: dir,
      statusFile,
      acceptFile,
      face: options.face ?? DEFAULT_FACE,
      serial: options.serial,
      baud: 9600,
      anonymous: options.anonymous ?? "bridge",
      allowedOrigins: options.allowedOrigins ?? [],
      trustProxy: options.trustProxy ?? [],
      tls: options.tls,
      push: options.push,
      publicUrl: options.publicUrl,
      metricsToken: options.metricsToken,
      metricsPublic: options.metricsPublic,
      mqtt: options.mqtt,
      ...(options.telegraphs && { telegraphs: options.telegraphs, defaultTelegraph: options.defaultTelegraph ?? null }),
    },
    log,
  );
  let stopped: Promise<void> | undefined;
  return {
    url: `${options.tls ? "https" : "http"}://127.0.0.1:${chadburn.port}`,
    dir,
    statusFile,
    acceptFile,
    logs,
    chadburn,
    stop: () => (stopped ??= chadburn.close()),
  };
}
