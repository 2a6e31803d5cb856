// The only place that reads flags, environment and the config file (config-file.ts); their order is
// in docs/configuration.md.
import { X509Certificate, createPrivateKey } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import proxyAddr from "proxy-addr";
import type { Face } from "../lib/protocol";
import { CONNECTIONS_PER_ADDRESS } from "./gateway/flood";
import { KEEP_RECEIPTS_DAYS } from "./history/receipts";
import { RETENTION } from "./store/memory";
import { ANONYMOUS_ROLES, type AnonymousRole } from "./people/identity";
import { DEFAULT_FACE, parseFace } from "../lib/face";
import { ConfigError, applyConfigFile, configOption } from "./config-file";
import { type TelegraphSpec, readTelegraphs } from "./config-telegraphs";

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
  /** Every telegraph served (config-telegraphs.ts), the default first: the flags' one alone unless the config file declares others. */
  telegraphs: TelegraphSpec[];
  /** The slug at `/` and /api/state, /api/order, /api/answer; null: none (`/` lists the telegraphs). */
  defaultTelegraph: string | null;
}

function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError("must be a whole number from 0 to 65535");
  return n;
}

function baud(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 50 || n > 4_000_000) throw new InvalidArgumentError("must be a whole number of bits per second, 50 to 4000000");
  return n;
}

/** A whole number from 1 to `max`. */
const atLeastOne = (max: number, what: string) => (value: string) => {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > max) throw new InvalidArgumentError(`must be a whole number of ${what}, 1 to ${max}`);
  return n;
};

/** Adds one origin, or several separated by commas, to those before: scheme://host[:port] as a browser names a page's. */
function origins(value: string, previous: string[]): string[] {
  const added = value
    .split(",")
    .map((origin) => origin.trim())
    .filter(Boolean);
  return [
    ...previous,
    ...added.map((origin) => {
      const url = URL.canParse(origin) ? new URL(origin) : undefined;
      // Nothing beyond scheme, host and port: no user, path, query or fragment.
      if (!url || !/^https?:$/.test(url.protocol) || url.href !== `${url.origin}/`) {
        throw new InvalidArgumentError(`${JSON.stringify(origin)} is not an origin: write scheme://host[:port], e.g. https://chadburn.example.org`);
      }
      return url.origin;
    }),
  ];
}

/** The panel's public address: scheme://host[:port] as the browser's address bar shows it, without a path. */
/** A Redis URL: redis:// or rediss:// (TLS). */
function redisUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError("must be a URL, e.g. redis://127.0.0.1:6379");
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") throw new InvalidArgumentError("must start with redis:// or rediss:// (TLS)");
  return value;
}

function publicUrl(value: string): string {
  const [url, ...more] = origins(value, []);
  if (!url || more.length) throw new InvalidArgumentError("must be one address, scheme://host[:port], e.g. https://chadburn.example.org");
  return url;
}

/** At least 16 characters, none of them blank: a token a scraper sends, not a password someone types. */
const METRICS_TOKEN_MIN = 16;
function metricsToken(value: string): string {
  if (value.length < METRICS_TOKEN_MIN || /\s/.test(value))
    throw new InvalidArgumentError(`must be at least ${METRICS_TOKEN_MIN} characters without spaces, e.g. from: openssl rand -hex 32`);
  return value;
}

/** Adds proxies, repeated or separated by commas: IPs, CIDRs, or loopback, linklocal, uniquelocal. */
function trustedProxies(value: string, previous: string[]): string[] {
  const added = value
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  try {
    proxyAddr.compile(added); // throws on what it cannot use: better now than on the first request
  } catch (error) {
    throw new InvalidArgumentError(`${(error as Error).message}: write IPs, CIDRs (10.0.0.0/8) or loopback, linklocal, uniquelocal`);
  }
  return [...previous, ...added];
}

/** Far more than the largest face (32 positions); a bigger file is not one. */
const MAX_FACE_BYTES = 64 * 1024;

/** The face in `file`; a ConfigError starting with `label` (the option, or where in the config file) when it is not one. */
function loadFace(file: string, label = `--face ${file}`): Face {
  let json: unknown;
  try {
    // Only a regular file of a face's size: a folder, a device (/dev/zero never ends) or a log file is not a face.
    const stat = statSync(file);
    if (!stat.isFile()) throw new Error("not a file");
    if (stat.size > MAX_FACE_BYTES) throw new Error(`over ${MAX_FACE_BYTES / 1024} KB: not a face`);
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new ConfigError(`${label}: ${(error as Error).message}`);
  }
  const face = parseFace(json);
  if (!face.ok) throw new ConfigError(`${label}: ${face.error}`);
  return face.value;
}

/** Far more than a certificate chain or a key; /dev/zero or a log file is neither. */
const MAX_PEM_BYTES = 1024 * 1024;

/** A PEM file's text; a ConfigError naming the option and the file when it cannot be one. */
function readPem(option: string, file: string, what: "CERTIFICATE" | "PRIVATE KEY"): string {
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw new Error("not a file");
    if (stat.size > MAX_PEM_BYTES) throw new Error(`over ${MAX_PEM_BYTES / 1024} KB: not PEM`);
    const text = readFileSync(file, "utf8");
    // "BEGIN EC PRIVATE KEY", "BEGIN RSA PRIVATE KEY" too
    if (!new RegExp(`^-----BEGIN ([A-Z]+ )*${what}-----`, "m").test(text)) throw new Error(`not PEM: no "-----BEGIN ${what}-----" line`);
    return text;
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    throw new ConfigError(`${option} ${file}: ${code === "ENOENT" ? "no such file" : message}`);
  }
}

/** Reads and checks the pair now, so a wrong file stops start-up with one line instead of failing every handshake. */
function loadTls(certFile: string, keyFile: string): { cert: Buffer; key: Buffer } {
  const cert = readPem("--tls-cert", certFile, "CERTIFICATE");
  const key = readPem("--tls-key", keyFile, "PRIVATE KEY");
  const parsed = <T>(option: string, file: string, what: string, parse: () => T): T => {
    try {
      return parse();
    } catch (error) {
      throw new ConfigError(`${option} ${file}: not ${what} (${(error as Error).message})`);
    }
  };
  // The first certificate in the file: the server's own, its chain after it.
  const x509 = parsed("--tls-cert", certFile, "a certificate", () => new X509Certificate(cert));
  const privateKey = parsed("--tls-key", keyFile, "a private key without a passphrase", () => createPrivateKey(key));
  if (!x509.checkPrivateKey(privateKey)) throw new ConfigError(`--tls-key ${keyFile}: not the key of the certificate in ${certFile}`);
  return { cert: Buffer.from(cert), key: Buffer.from(key) };
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
  if (statusFile === acceptFile) throw new ConfigError("--accept-file: must not be the status file");
  if (o.headless && o.dev) throw new ConfigError("--headless: there is no panel to develop (leave out --dev)");
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
    telegraphs,
    defaultTelegraph,
  };
}
