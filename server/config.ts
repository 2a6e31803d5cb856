// The only place that reads flags, environment and the config file (config-file.ts); their order is
// in docs/configuration.md.
import { statSync } from "node:fs";
import path from "node:path";
import { Command, Option } from "commander";
import type { Face } from "../lib/protocol";
import { CONNECTIONS_PER_ADDRESS } from "./gateway/flood";
import { KEEP_RECEIPTS_DAYS } from "./history/receipts";
import { RETENTION } from "./store/memory";
import { ANONYMOUS_ROLES, type AnonymousRole } from "./people/identity";
import { DEFAULT_FACE } from "../lib/face";
import { ConfigError, applyConfigFile, configOption } from "./config-file";
import {
  atLeastOne,
  baud,
  loadFace,
  loadCa,
  loadTls,
  metricsToken,
  mqttPrefix,
  mqttUrl,
  origins,
  port,
  publicUrl,
  redisUrl,
  trustedProxies,
} from "./config-values";
import { type TelegraphSpec, besides, readTelegraphs } from "./config-telegraphs";
import { fileKey } from "./links/symlinks";

export { ConfigError };

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

export interface Config {
  port: number;
  /** Undefined: every interface, IPv6 and IPv4. */
  host?: string;
  dataDir: string;
  statusFile: string;
  acceptFile: string;
  face: Face;
  /** A serial device path, or "auto" for the first Teensy; undefined: the files only. */
  serial?: string;
  baud: number;
  logLevel: (typeof LOG_LEVELS)[number];
  /** Next in development mode (hot reload) instead of the production build. */
  dev: boolean;
  /** No panel: socket.io and the HTTP API only, so no Next and no build. */
  headless: boolean;
  /** What someone without an API token may do. */
  anonymous: AnonymousRole;
  /** Origins (besides the server's own) whose pages may use socket.io and post orders and answers. */
  allowedOrigins: string[];
  /** Reverse proxies whose X-Forwarded-For / -Proto are believed, in proxy-addr's syntax; empty: none. */
  trustProxy: string[];
  /** Serve HTTPS (and WSS) with this certificate (PEM, the chain after it) and its key; undefined: plain HTTP. */
  tls?: { cert: Buffer; key: Buffer };
  /** Events (orders, answers, expiries) kept in the store: the oldest go past this many. */
  keepEvents: number;
  /** Events older than this many days go (each day's statistics are rolled up first, and kept). */
  keepEventsDays: number;
  /** Receipts (how each order reached each panel) older than this many days go. */
  keepReceiptsDays: number;
  /** socket.io connections one address (an IPv6 /64) may have open at once. */
  connectionsPerAddress: number;
  /** Where people reach the panel (scheme://host[:port]), for the links the server makes; undefined: the address it serves. */
  publicUrl?: string;
  /** A scraper sending this as a Bearer token may read /metrics, whatever --anonymous says. */
  metricsToken?: string;
  /** /metrics open to anyone. */
  metricsPublic: boolean;
  /** Redis, for several nodes serving the same telegraphs (server/cluster/); undefined: this node alone. */
  redis?: string;
  /** The MQTT bridge (server/mqtt/): its broker, its topics' prefix, and the API token its commands act with (none: it only tells). */
  mqtt?: { url: string; prefix: string; token?: string; tls?: { cert?: Buffer; key?: Buffer; ca?: Buffer } };
  /** Every telegraph served (config-telegraphs.ts), the default first: the flags' one alone unless the config file declares others. */
  telegraphs: TelegraphSpec[];
  /** The slug at `/` and /api/state, /api/order, /api/answer; null: none (`/` lists the telegraphs). */
  defaultTelegraph: string | null;
}

/** The broker's TLS settings, read and checked now: a client certificate and its key, and what to trust. */
function mqttTls(o: Record<string, string | undefined>, at: (name: string, value: string) => string) {
  if (!o.mqttCert !== !o.mqttKey)
    throw new ConfigError(
      o.mqttCert ? "--mqtt-cert: needs --mqtt-key too (both, or neither)" : "--mqtt-key: needs --mqtt-cert too (both, or neither)",
    );
  const pair = o.mqttCert && o.mqttKey ? loadTls(at("mqttCert", o.mqttCert), at("mqttKey", o.mqttKey), ["--mqtt-cert", "--mqtt-key"]) : {};
  const ca = o.mqttCa ? { ca: loadCa("--mqtt-ca", at("mqttCa", o.mqttCa)) } : {};
  return o.mqttCert || o.mqttCa ? { tls: { ...pair, ...ca } } : {};
}

/** The data folder: the server's, and the one every `chadburn` management command works on. */
export const dataDirOption = () =>
  new Option("--data-dir <folder>", "folder for the status, accept and state files").env("CHADBURN_DATA_DIR").default("data");

function command(): Command {
  const option = (flags: string, description: string, env: string) => new Option(flags, description).env(`CHADBURN_${env}`);
  return new Command("chadburn")
    .description("Serve the Chadburn panel: the telegraph's status file in, answers out, every panel at once.")
    .addOption(option("--port <number>", "port to serve on", "PORT").default(1873).argParser(port))
    .addOption(option("--host <address>", "address to bind (default: all interfaces)", "HOST"))
    .addOption(dataDirOption())
    .addOption(option("--status-file <file>", "where the telegraph writes its order (default: <data-dir>/status.eot)", "STATUS_FILE"))
    .addOption(option("--accept-file <file>", "where answers are written (default: <data-dir>/accept.eot)", "ACCEPT_FILE"))
    .addOption(option("--face <file>", "JSON file describing the telegraph's positions (default: the lab's 11)", "FACE"))
    .addOption(option("--serial <path|auto>", "the telegraph's serial device, beside the files; auto: the first Teensy (USB vendor 16c0)", "SERIAL"))
    .addOption(option("--baud <rate>", "serial speed (a Teensy's USB serial ignores it; a real UART does not)", "BAUD").default(9600).argParser(baud))
    .addOption(option("--log-level <level>", "how much to log", "LOG_LEVEL").choices(LOG_LEVELS).default("info"))
    .addOption(option("--dev", "serve the panel with Next in development mode", "DEV"))
    .addOption(option("--headless", "serve socket.io and the HTTP API without the panel (no Next, no build)", "HEADLESS"))
    .addOption(
      option("--anonymous <role>", "what someone who has not signed in (and has no API token) may do", "ANONYMOUS")
        .choices(ANONYMOUS_ROLES)
        .default("crew"),
    )
    .addOption(
      option(
        "--allowed-origin <origin>",
        "another origin whose pages may use the panel's socket and API, e.g. https://chadburn.example.org; repeat or separate with commas",
        "ALLOWED_ORIGINS",
      )
        .default([], "none")
        .argParser(origins),
    )
    .addOption(option("--tls-cert <file>", "serve HTTPS and WSS with this certificate (PEM; with --tls-key)", "TLS_CERT"))
    .addOption(option("--tls-key <file>", "the certificate's private key (PEM, no passphrase; with --tls-cert)", "TLS_KEY"))
    .addOption(
      option(
        "--trust-proxy <list>",
        "reverse proxies whose X-Forwarded-For/-Proto to believe: IPs, CIDRs, loopback, linklocal, uniquelocal; repeat or separate with commas",
        "TRUST_PROXY",
      )
        .default([], "none")
        .argParser(trustedProxies),
    )
    .addOption(
      option(
        "--public-url <url>",
        "the address people reach the panel at, e.g. https://chadburn.example.org, for the sign-in links the server makes (default: the address it serves)",
        "PUBLIC_URL",
      ).argParser(publicUrl),
    )
    .addOption(
      option(
        "--metrics-token <token>",
        "a scraper sending this as 'Authorization: Bearer …' may read /metrics (prefer the variable: flags show in ps)",
        "METRICS_TOKEN",
      ).argParser(metricsToken),
    )
    .addOption(
      option(
        "--redis <url>",
        "Redis, for several nodes serving the same telegraphs behind a load balancer (docs/scaling.md), e.g. redis://127.0.0.1:6379",
        "REDIS",
      ).argParser(redisUrl),
    )
    .addOption(
      option("--mqtt <url>", "MQTT broker for Home Assistant and the like (docs/home-assistant.md), e.g. mqtt://127.0.0.1:1883", "MQTT").argParser(
        mqttUrl,
      ),
    )
    .addOption(option("--mqtt-prefix <prefix>", "the MQTT topics' first levels", "MQTT_PREFIX").default("chadburn").argParser(mqttPrefix))
    .addOption(option("--mqtt-cert <file>", "a client certificate for the broker (PEM; with --mqtt-key)", "MQTT_CERT"))
    .addOption(option("--mqtt-key <file>", "its private key (PEM, no passphrase; with --mqtt-cert)", "MQTT_KEY"))
    .addOption(option("--mqtt-ca <file>", "the certificates to trust for the broker's (PEM), besides the system's", "MQTT_CA"))
    .addOption(
      option(
        "--mqtt-token <token>",
        "an API token the MQTT bridge orders and answers with (its role); none: it only tells (prefer the variable: flags show in ps)",
        "MQTT_TOKEN",
      ),
    )
    .addOption(
      option("--metrics-public", "/metrics open to anyone (default: to those who may see the panel, and the metrics token)", "METRICS_PUBLIC"),
    )
    .addOption(
      option("--keep-events <count>", "orders, answers and expiries kept in the store; the oldest go past this many", "KEEP_EVENTS")
        .default(1_000_000)
        .argParser(atLeastOne(1e9, "events")),
    )
    .addOption(
      option(
        "--keep-events-days <days>",
        "orders, answers and expiries older than this go from the store (daily statistics stay)",
        "KEEP_EVENTS_DAYS",
      )
        .default(RETENTION.keepEventsDays)
        .argParser(atLeastOne(36500, "days")),
    )
    .addOption(
      option("--keep-receipts-days <days>", "receipts (how each order reached each panel) older than this go from the store", "KEEP_RECEIPTS_DAYS")
        .default(KEEP_RECEIPTS_DAYS)
        .argParser(atLeastOne(36500, "days")),
    )
    .addOption(
      option(
        "--connections-per-address <count>",
        "panels (socket.io connections) one address, or IPv6 /64, may have open at once",
        "CONNECTIONS_PER_ADDRESS",
      )
        .default(CONNECTIONS_PER_ADDRESS)
        .argParser(atLeastOne(1_000_000, "connections")),
    )
    .addOption(configOption())
    .helpOption("-h, --help", "show this help")
    .exitOverride()
    .configureOutput({ writeErr: () => {} });
}

/** The server's options: every setting, for the config file's keys and their documentation. */
export const settingOptions = () => command().options;

/** The data folder a `chadburn` management command works on: its --data-dir, CHADBURN_DATA_DIR or the config file's. */
export function dataDirOf(subcommand: Command, cwd = process.cwd()): string {
  return applyConfigFile(subcommand, settingOptions(), cwd).at("dataDir", subcommand.opts().dataDir);
}

/**
 * Reads the settings from argv, env and the config file. Throws ConfigError with a one-line message
 * on a bad value; `--help` prints the help and returns undefined.
 */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config | undefined {
  const program = command();
  const saved = process.env;
  process.env = env; // commander reads process.env; give it exactly the environment we were handed
  try {
    program.parse(argv, { from: "user" });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "commander.helpDisplayed") return undefined; // commander printed it
    throw new ConfigError((error as Error).message.replace(/^error: /, ""));
  } finally {
    process.env = saved;
  }
  const { at, fileOnly, file } = applyConfigFile(program, program.options, cwd); // a path, relative to where it was given
  const o = program.opts();
  const dataDir = at("dataDir", o.dataDir);
  // Created at start when missing; something else in its place is a mistake to say now, by name.
  if (statSync(dataDir, { throwIfNoEntry: false })?.isDirectory() === false) throw new ConfigError(`--data-dir ${dataDir}: not a folder`);
  const statusFile = o.statusFile ? at("statusFile", o.statusFile) : path.join(dataDir, "status.eot");
  const acceptFile = o.acceptFile ? at("acceptFile", o.acceptFile) : path.join(dataDir, "accept.eot");
  if (fileKey(statusFile) === fileKey(acceptFile))
    throw new ConfigError(`--accept-file: must not be the status file${besides(acceptFile, statusFile)}`);
  if (o.headless && o.dev) throw new ConfigError("--headless: there is no panel to develop (leave out --dev)");
  // Every node would act on each command: several nodes share their MQTT subscriptions in a later step (docs/home-assistant.md).
  if (o.mqtt && o.redis) throw new ConfigError("--mqtt: not with --redis yet (every node would act on each command)");
  if (!o.tlsCert !== !o.tlsKey)
    throw new ConfigError(o.tlsCert ? "--tls-cert: needs --tls-key too (both, or neither)" : "--tls-key: needs --tls-cert too (both, or neither)");
  const face = o.face ? loadFace(at("face", o.face)) : DEFAULT_FACE;
  const serial = o.serial === undefined || o.serial === "auto" ? o.serial : at("serial", o.serial);
  const given = (key: string) => !["default", undefined].includes(program.getOptionValueSource(key));
  const { telegraphs, defaultTelegraph } = readTelegraphs({
    fileOnly,
    file,
    flags: { statusFile, acceptFile, face, serial, baud: o.baud },
    given,
    loadFace,
    baud,
  });
  return {
    port: o.port,
    host: o.host || undefined,
    dataDir,
    statusFile,
    acceptFile,
    face,
    serial,
    baud: o.baud,
    logLevel: o.logLevel,
    dev: !!o.dev,
    headless: !!o.headless,
    anonymous: o.anonymous,
    allowedOrigins: o.allowedOrigin,
    trustProxy: o.trustProxy,
    tls: o.tlsCert ? loadTls(at("tlsCert", o.tlsCert), at("tlsKey", o.tlsKey)) : undefined,
    keepEvents: o.keepEvents,
    keepEventsDays: o.keepEventsDays,
    keepReceiptsDays: o.keepReceiptsDays,
    connectionsPerAddress: o.connectionsPerAddress,
    publicUrl: o.publicUrl,
    metricsToken: o.metricsToken,
    metricsPublic: !!o.metricsPublic,
    redis: o.redis,
    mqtt: o.mqtt ? { url: o.mqtt, prefix: o.mqttPrefix, ...(o.mqttToken && { token: o.mqttToken }), ...mqttTls(o, at) } : undefined,
    telegraphs,
    defaultTelegraph,
  };
}
