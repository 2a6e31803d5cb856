// The values the flags, the environment and the config file give, each checked and read on its
// way in (config.ts): a wrong one is a clear error that names the flag.
import { X509Certificate, createPrivateKey } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { InvalidArgumentError } from "commander";
import proxyAddr from "proxy-addr";
import type { Face } from "../lib/protocol";
import { parseFace } from "../lib/face";
import { ConfigError } from "./config-file";

export function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError("must be a whole number from 0 to 65535");
  return n;
}

export function baud(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 50 || n > 4_000_000) throw new InvalidArgumentError("must be a whole number of bits per second, 50 to 4000000");
  return n;
}

/** A whole number from 1 to `max`. */
export const atLeastOne = (max: number, what: string) => (value: string) => {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > max) throw new InvalidArgumentError(`must be a whole number of ${what}, 1 to ${max}`);
  return n;
};

/** The entries of a setting that takes several, separated by commas (blanks dropped). */
const listed = (value: string) =>
  value
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);

/** Adds one origin, or several separated by commas, to those before: scheme://host[:port] as a browser names a page's. */
export function origins(value: string, previous: string[]): string[] {
  const added = listed(value);
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
/** A URL of a broker or store whose scheme is `plain` or, over TLS, `secure`, e.g. redis://127.0.0.1:6379. */
const serviceUrl = (plain: string, secure: string, example: string) => (value: string) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`must be a URL, e.g. ${example}`);
  }
  if (url.protocol !== `${plain}:` && url.protocol !== `${secure}:`)
    throw new InvalidArgumentError(`must start with ${plain}:// or ${secure}:// (TLS)`);
  return value;
};

/** A Redis URL: redis:// or rediss:// (TLS). */
export const redisUrl = serviceUrl("redis", "rediss", "redis://127.0.0.1:6379");
/** An MQTT broker's URL: mqtt:// or mqtts:// (TLS), with a user and password in it if the broker wants them. */
export const mqttUrl = serviceUrl("mqtt", "mqtts", "mqtt://127.0.0.1:1883");

/** A prefix of MQTT topics: levels of letters, digits, `-` and `_`, no wildcards. */
export function mqttPrefix(value: string): string {
  if (!/^[\w-]+(\/[\w-]+)*$/.test(value))
    throw new InvalidArgumentError("must be topic levels of letters, digits, - and _, e.g. chadburn or lab/chadburn");
  return value;
}

export function publicUrl(value: string): string {
  const [url, ...more] = origins(value, []);
  if (!url || more.length) throw new InvalidArgumentError("must be one address, scheme://host[:port], e.g. https://chadburn.example.org");
  return url;
}

/** At least 16 characters, none of them blank: a token a scraper sends, not a password someone types. */
const METRICS_TOKEN_MIN = 16;
export function metricsToken(value: string): string {
  if (value.length < METRICS_TOKEN_MIN || /\s/.test(value))
    throw new InvalidArgumentError(`must be at least ${METRICS_TOKEN_MIN} characters without spaces, e.g. from: openssl rand -hex 32`);
  return value;
}

/** Adds proxies, repeated or separated by commas: IPs, CIDRs, or loopback, linklocal, uniquelocal. */
export function trustedProxies(value: string, previous: string[]): string[] {
  const added = listed(value);
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
export function loadFace(file: string, label = `--face ${file}`): Face {
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

/**
 * Reads and checks the pair now, so a wrong file stops start-up with one line instead of failing
 * every handshake. `flags`: the options that named them, for that line.
 */
export function loadTls(certFile: string, keyFile: string, [certFlag, keyFlag] = ["--tls-cert", "--tls-key"]): { cert: Buffer; key: Buffer } {
  const cert = readPem(certFlag, certFile, "CERTIFICATE");
  const key = readPem(keyFlag, keyFile, "PRIVATE KEY");
  const parsed = <T>(option: string, file: string, what: string, parse: () => T): T => {
    try {
      return parse();
    } catch (error) {
      throw new ConfigError(`${option} ${file}: not ${what} (${(error as Error).message})`);
    }
  };
  // The first certificate in the file: the server's own, its chain after it.
  const x509 = parsed(certFlag, certFile, "a certificate", () => new X509Certificate(cert));
  const privateKey = parsed(keyFlag, keyFile, "a private key without a passphrase", () => createPrivateKey(key));
  if (!x509.checkPrivateKey(privateKey)) throw new ConfigError(`${keyFlag} ${keyFile}: not the key of the certificate in ${certFile}`);
  return { cert: Buffer.from(cert), key: Buffer.from(key) };
}

/** Certificates (PEM) to trust, from the file `option` names. */
export const loadCa = (option: string, file: string): Buffer => Buffer.from(readPem(option, file, "CERTIFICATE"));
