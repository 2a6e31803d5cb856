import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig, settingOptions } from "./config";
import { configKeys, untrusted } from "./config-file";
import { DEFAULT_FACE } from "../lib/face";

const cwd = "/srv/lab";
const load = (argv: string[], env: Record<string, string> = {}) => loadConfig(argv, env as NodeJS.ProcessEnv, cwd);

describe("loadConfig", () => {
  it("defaults: port 1873 on every interface, data/ under the working folder, the lab's face", () => {
    expect(load([])).toEqual({
      port: 1873,
      host: undefined,
      dataDir: "/srv/lab/data",
      statusFile: "/srv/lab/data/status.eot",
      acceptFile: "/srv/lab/data/accept.eot",
      face: DEFAULT_FACE,
      serial: undefined,
      baud: 9600,
      logLevel: "info",
      dev: false,
      headless: false,
      anonymous: "crew",
      allowedOrigins: [],
      trustProxy: [],
      tls: undefined,
      keepEvents: 1_000_000,
      keepEventsDays: 90,
      keepReceiptsDays: 14,
      connectionsPerAddress: 50,
      publicUrl: undefined,
      metricsToken: undefined,
      metricsPublic: false,
      telegraphs: [
        {
          slug: "default",
          title: "Telegraph",
          statusFile: "/srv/lab/data/status.eot",
          acceptFile: "/srv/lab/data/accept.eot",
          face: DEFAULT_FACE,
          serial: undefined,
          baud: 9600,
        },
      ],
      defaultTelegraph: "default",
    });
  });

  it("--public-url: one origin for the links the server makes; flag, then variable", () => {
    expect(load(["--public-url", "https://Chadburn.Lab.example/"])?.publicUrl).toBe("https://chadburn.lab.example");
    const env = { CHADBURN_PUBLIC_URL: "http://lab-pc:1873" };
    expect(load([], env)?.publicUrl).toBe("http://lab-pc:1873");
    expect(load(["--public-url", "https://chadburn.lab.example"], env)?.publicUrl).toBe("https://chadburn.lab.example");
  });

  it("--metrics-token (a scraper's Bearer token, 16 characters or more) and --metrics-public", () => {
    const token = "0123456789abcdef0123";
    expect(load([], { CHADBURN_METRICS_TOKEN: token })).toMatchObject({ metricsToken: token, metricsPublic: false });
    expect(load(["--metrics-public"])).toMatchObject({ metricsToken: undefined, metricsPublic: true });
  });

  it("--connections-per-address: how many panels one address may have open; flag, then variable", () => {
    expect(load(["--connections-per-address", "500"])?.connectionsPerAddress).toBe(500);
    expect(load([], { CHADBURN_CONNECTIONS_PER_ADDRESS: "200" })?.connectionsPerAddress).toBe(200);
  });

  it("--keep-events and --keep-events-days: how many of the store's events, and how old, are kept", () => {
    expect(load(["--keep-events", "5000", "--keep-events-days", "30"])).toMatchObject({ keepEvents: 5000, keepEventsDays: 30 });
    const env = { CHADBURN_KEEP_EVENTS: "200", CHADBURN_KEEP_EVENTS_DAYS: "7" };
    expect(load([], env)).toMatchObject({ keepEvents: 200, keepEventsDays: 7 });
    expect(load(["--keep-events-days", "90"], env)).toMatchObject({ keepEvents: 200, keepEventsDays: 90 });
  });

  it("--keep-receipts-days: how old the receipts kept may be; flag, then variable", () => {
    expect(load(["--keep-receipts-days", "3"])).toMatchObject({ keepReceiptsDays: 3 });
    expect(load([], { CHADBURN_KEEP_RECEIPTS_DAYS: "30" })).toMatchObject({ keepReceiptsDays: 30 });
  });

  it("--anonymous: none, viewer, crew or bridge; admin is never anonymous", () => {
    expect(load(["--anonymous", "none"])?.anonymous).toBe("none");
    expect(load([], { CHADBURN_ANONYMOUS: "viewer" })?.anonymous).toBe("viewer");
    expect(() => load(["--anonymous", "admin"])).toThrow(/--anonymous.*admin.*Allowed choices are none, viewer, crew, bridge/);
  });

  it("takes flags, relative to the working folder", () => {
    expect(load(["--port", "4000", "--status-file", "lab/status.eot", "--accept-file", "lab/accept.eot"])).toMatchObject({
      port: 4000,
      statusFile: "/srv/lab/lab/status.eot",
      acceptFile: "/srv/lab/lab/accept.eot",
    });
    expect(load(["--data-dir", "/var/chadburn", "--host", "127.0.0.1"])).toMatchObject({
      host: "127.0.0.1",
      statusFile: "/var/chadburn/status.eot",
    });
  });

  it("takes a serial device, or auto, and its speed", () => {
    expect(load(["--serial", "/dev/ttyACM0"])).toMatchObject({ serial: "/dev/ttyACM0", baud: 9600 });
    expect(load(["--serial", "auto", "--baud", "115200"])).toMatchObject({ serial: "auto", baud: 115200 });
    expect(load([], { CHADBURN_SERIAL: "dev/pty" })).toMatchObject({ serial: "/srv/lab/dev/pty" });
  });

  it("takes other origins, repeated or separated by commas, as a browser names them", () => {
    const argv = ["--allowed-origin", "https://Chadburn.Example.org:443", "--allowed-origin", "http://lab.local:8080, http://[::1]:1873/"];
    expect(load(argv)?.allowedOrigins).toEqual(["https://chadburn.example.org", "http://lab.local:8080", "http://[::1]:1873"]);
    const env = { CHADBURN_ALLOWED_ORIGINS: "https://a.example,https://b.example" };
    expect(load([], env)?.allowedOrigins).toEqual(["https://a.example", "https://b.example"]);
    expect(load(["--allowed-origin", "https://c.example"], env)?.allowedOrigins).toEqual(["https://c.example"]);
  });

  it("--trust-proxy: IPs, CIDRs and proxy-addr's names, repeated or separated by commas", () => {
    expect(load(["--trust-proxy", "127.0.0.1, 10.0.0.0/8", "--trust-proxy", "loopback,fd00::/8"])?.trustProxy).toEqual([
      "127.0.0.1",
      "10.0.0.0/8",
      "loopback",
      "fd00::/8",
    ]);
    expect(load([], { CHADBURN_TRUST_PROXY: "uniquelocal" })?.trustProxy).toEqual(["uniquelocal"]);
  });

  it("a flag beats its environment variable, which beats the default", () => {
    const env = { CHADBURN_PORT: "5000", CHADBURN_LOG_LEVEL: "debug", CHADBURN_DATA_DIR: "/d" };
    expect(load([], env)).toMatchObject({ port: 5000, logLevel: "debug", statusFile: "/d/status.eot" });
    expect(load(["--port", "6000"], env)).toMatchObject({ port: 6000 });
  });

  it.each([
    [["--port", "x"], /--port <number>.*must be a whole number from 0 to 65535/],
    [["--port", "70000"], /--port/],
    [["--log-level", "loud"], /--log-level <level>.*Allowed choices/],
    [["--bogus"], /unknown option '--bogus'/],
    [["--baud", "fast"], /--baud <rate>.*must be a whole number/],
    [["--status-file", "a.eot", "--accept-file", "a.eot"], /^--accept-file: must not be the status file$/],
    [["--face", "/no/such/face.json"], /^--face \/no\/such\/face\.json: ENOENT/],
    [["--face", "/dev/zero"], /^--face \/dev\/zero: not a file$/],
    [["--data-dir", "/dev/null"], /^--data-dir \/dev\/null: not a folder$/],
    [["--trust-proxy", "127.0.0.1,proxy.lab"], /--trust-proxy <list>.*invalid IP address: proxy\.lab/],
    [["--trust-proxy", "10.0.0.0/33"], /--trust-proxy <list>.*invalid range on address: 10\.0\.0\.0\/33/],
    [["--headless", "--dev"], /^--headless: there is no panel to develop \(leave out --dev\)$/],
    [["--keep-events", "0"], /--keep-events <count>.*must be a whole number of events, 1 to 1000000000/],
    [["--keep-events-days", "1.5"], /--keep-events-days <days>.*must be a whole number of days, 1 to 36500/],
    [["--keep-receipts-days", "0"], /--keep-receipts-days <days>.*must be a whole number of days, 1 to 36500/],
    [["--connections-per-address", "0"], /--connections-per-address <count>.*must be a whole number of connections, 1 to 1000000/],
    [["--tls-cert", "/etc/cert.pem"], /^--tls-cert: needs --tls-key too \(both, or neither\)$/],
    [["--tls-key", "/etc/key.pem"], /^--tls-key: needs --tls-cert too \(both, or neither\)$/],
    [["--tls-cert", "/no/cert.pem", "--tls-key", "/no/key.pem"], /^--tls-cert \/no\/cert\.pem: no such file$/],
    [["--tls-cert", "/dev/zero", "--tls-key", "/dev/zero"], /^--tls-cert \/dev\/zero: not a file$/],
    [["--face", "/etc"], /^--face \/etc: not a file$/],
    [["--face", "../../../../../../etc/passwd"], /^--face \/etc\/passwd: .*JSON/],
    [["--public-url", "https://chadburn.lab.example/panel"], /--public-url <url>.*is not an origin: write scheme:\/\/host\[:port\]/],
    [["--public-url", "https://a.example,https://b.example"], /--public-url <url>.*must be one address/],
    [["--metrics-token", "short"], /--metrics-token <token>.*must be at least 16 characters without spaces/],
    [["--redis", "http://127.0.0.1:6379"], /--redis <url>.*must start with redis:\/\/ or rediss:\/\/ \(TLS\)/],
    [["--mqtt", "127.0.0.1:1883"], /--mqtt <url>.*must be a URL, e.g. mqtt:\/\/127\.0\.0\.1:1883/],
    [["--mqtt", "ws://127.0.0.1:1883"], /--mqtt <url>.*must start with mqtt:\/\/ or mqtts:\/\/ \(TLS\)/],
    [["--mqtt", "mqtt://127.0.0.1", "--mqtt-prefix", "lab/#"], /--mqtt-prefix <prefix>.*must be topic levels/],
    [["--mqtt", "mqtt://127.0.0.1", "--redis", "redis://127.0.0.1"], /^--mqtt: not with --redis yet/],
    [["--mqtt", "mqtts://127.0.0.1", "--mqtt-cert", "/dev/null"], /^--mqtt-cert: needs --mqtt-key too \(both, or neither\)$/],
    [["--mqtt", "mqtts://127.0.0.1", "--mqtt-ca", "/no/ca.pem"], /^--mqtt-ca \/no\/ca\.pem: no such file$/],
    ...["lab.example", "https://lab.example/panel", "https://ann@lab.example", "ftp://lab.example", "*", "null"].map((origin): [string[], RegExp] => [
      ["--allowed-origin", `https://ok.example,${origin}`],
      new RegExp(`--allowed-origin <origin>.*"${origin.replace(/[.*]/g, "\\$&")}" is not an origin: write scheme://host\\[:port\\]`),
    ]),
  ])("%j stops start-up with one line naming the setting", (argv, message) => {
    expect(() => load(argv)).toThrow(message);
    try {
      load(argv);
    } catch (error) {
      expect((error as Error).message).not.toContain("\n");
    }
  });

  it("loads and validates a face file", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "chadburn-face-"));
    const good = path.join(dir, "good.json");
    const face = [
      { position: 1, name: "tea", label: "TEA" },
      { position: 2, name: "cake", label: "CAKE" },
    ];
    writeFileSync(good, JSON.stringify(face));
    expect(load(["--face", good])?.face).toEqual(face);
    const bad = path.join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify([face[0]]));
    expect(() => load(["--face", bad])).toThrow(`--face ${bad}: a face needs at least 2 positions`);
    writeFileSync(bad, `${JSON.stringify(face)}${" ".repeat(70_000)}`);
    expect(() => load(["--face", bad])).toThrow(`--face ${bad}: over 64 KB: not a face`);
    writeFileSync(bad, "{not json");
    expect(() => load(["--face", bad])).toThrow(new RegExp(`^--face ${bad}: .*JSON`));
    rmSync(dir, { recursive: true });
  });

  it("reads the certificate and key at start; a file that is missing, not PEM or not the pair is named", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "chadburn-tls-"));
    const pair = (name: string) => {
      const [cert, key] = [path.join(dir, `${name}.crt`), path.join(dir, `${name}.key`)];
      execFileSync(
        "/usr/bin/openssl",
        [
          "req",
          "-x509",
          "-newkey",
          "ec",
          "-pkeyopt",
          "ec_paramgen_curve:prime256v1",
          "-nodes",
          "-days",
          "1",
          "-subj",
          "/CN=localhost",
          "-keyout",
          key,
          "-out",
          cert,
        ],
        { stdio: "ignore" },
      );
      return { cert, key };
    };
    const a = pair("a");
    const b = pair("b");
    expect(load(["--tls-cert", a.cert, "--tls-key", a.key])?.tls).toEqual({ cert: readFileSync(a.cert), key: readFileSync(a.key) });
    expect(load([], { CHADBURN_TLS_CERT: a.cert, CHADBURN_TLS_KEY: a.key })?.tls?.cert).toEqual(readFileSync(a.cert));
    const tls = (cert: string, key: string) => () => load(["--tls-cert", cert, "--tls-key", key]);
    expect(tls(a.cert, path.join(dir, "gone.key"))).toThrow(new Error(`--tls-key ${dir}/gone.key: no such file`));
    expect(tls(a.cert, b.key)).toThrow(new Error(`--tls-key ${b.key}: not the key of the certificate in ${a.cert}`));
    expect(tls(a.key, a.key)).toThrow(new Error(`--tls-cert ${a.key}: not PEM: no "-----BEGIN CERTIFICATE-----" line`));
    expect(tls(a.cert, a.cert)).toThrow(new Error(`--tls-key ${a.cert}: not PEM: no "-----BEGIN PRIVATE KEY-----" line`));
    const broken = path.join(dir, "broken.crt");
    writeFileSync(broken, "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n");
    expect(tls(broken, a.key)).toThrow(new RegExp(`^--tls-cert ${broken}: not a certificate \\([^\\n]+\\)$`));
    rmSync(dir, { recursive: true });
  });

  it("--help prints the settings and their variables and asks for no start", () => {
    let printed = "";
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string) => ((printed += chunk), true)) as typeof process.stdout.write;
    try {
      expect(load(["--help"])).toBeUndefined();
    } finally {
      process.stdout.write = write;
    }
    for (const flag of [
      "--config",
      "--headless",
      "--port",
      "--host",
      "--data-dir",
      "--status-file",
      "--accept-file",
      "--face",
      "--log-level",
      "--allowed-origin",
      "--tls-cert",
      "--tls-key",
      "--trust-proxy",
    ]) {
      expect(printed).toContain(flag);
    }
    expect(printed).toContain("CHADBURN_STATUS_FILE");
  });
});

describe("the config file", () => {
  let dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true });
    dirs = [];
  });
  /** A working folder holding these files (JSON for objects), and loadConfig run in it. */
  const folder = (files: Record<string, unknown>) => {
    const dir = mkdtempSync(path.join(tmpdir(), "chadburn-config-"));
    dirs.push(dir);
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      writeFileSync(path.join(dir, name), typeof content === "string" ? content : JSON.stringify(content));
    }
    return { dir, load: (argv: string[] = [], env: Record<string, string> = {}) => loadConfig(argv, env as NodeJS.ProcessEnv, dir) };
  };

  it("sits below flags and variables and above the defaults", () => {
    const settings = (config: ReturnType<typeof loadConfig>) => [config?.port, config?.anonymous];
    expect(settings(folder({}).load())).toEqual([1873, "crew"]);
    const { load } = folder({ "chadburn.config.json": { port: 4000, anonymous: "viewer" } });
    expect(settings(load())).toEqual([4000, "viewer"]);
    expect(settings(load([], { CHADBURN_PORT: "5000", CHADBURN_ANONYMOUS: "none" }))).toEqual([5000, "none"]);
    expect(settings(load(["--port", "6000", "--anonymous", "bridge"], { CHADBURN_PORT: "5000", CHADBURN_ANONYMOUS: "none" }))).toEqual([
      6000,
      "bridge",
    ]);
  });

  it("the retention settings too: flag, then variable, then file, then default", () => {
    const kept = (config: ReturnType<typeof loadConfig>) => [config?.keepEvents, config?.keepEventsDays];
    const { load } = folder({ "chadburn.config.json": { keepEvents: 50_000, keepEventsDays: "30" } });
    expect(kept(load())).toEqual([50_000, 30]);
    expect(kept(load([], { CHADBURN_KEEP_EVENTS: "2000" }))).toEqual([2000, 30]);
    expect(kept(load(["--keep-events", "3000", "--keep-events-days", "10"], { CHADBURN_KEEP_EVENTS: "2000" }))).toEqual([3000, 10]);
    expect(() => folder({ "chadburn.config.json": { keepEventsDays: 0 } }).load()).toThrow(
      new Error("chadburn.config.json: keepEventsDays: must be a whole number of days, 1 to 36500"),
    );
  });

  it("--config or CHADBURN_CONFIG names another file; its relative paths are from its own folder", () => {
    const file = {
      dataDir: "state",
      acceptFile: "/var/accept.eot",
      serial: "auto",
      dev: true,
      allowedOrigins: ["https://a.example", "https://b.example"],
      trustProxy: "loopback",
    };
    const { dir, load } = folder({ "etc/lab.json": file, "chadburn.config.json": { port: 1 } });
    const expected = {
      port: 1873, // the default file is not read when another is named
      dataDir: `${dir}/etc/state`,
      statusFile: `${dir}/etc/state/status.eot`,
      acceptFile: "/var/accept.eot",
      serial: "auto",
      dev: true,
      allowedOrigins: ["https://a.example", "https://b.example"],
      trustProxy: ["loopback"],
    };
    expect(load(["--config", "etc/lab.json"])).toMatchObject(expected);
    expect(load([], { CHADBURN_CONFIG: `${dir}/etc/lab.json` })).toMatchObject(expected);
    // A path given as a flag or a variable is still from the working folder.
    expect(load(["--config", "etc/lab.json", "--status-file", "s.eot"], { CHADBURN_DATA_DIR: "d" })).toMatchObject({
      dataDir: `${dir}/d`,
      statusFile: `${dir}/s.eot`,
    });
  });

  it.each([
    [{ prot: 1873 }, 'chadburn.config.json: unknown key "prot" (did you mean "port"?)'],
    [{ panel: true }, 'chadburn.config.json: unknown key "panel"'],
    [{ config: "other.json" }, 'chadburn.config.json: unknown key "config"'],
    [{ port: 70000 }, "chadburn.config.json: port: must be a whole number from 0 to 65535"],
    [{ port: "1873x" }, "chadburn.config.json: port: must be a whole number from 0 to 65535"],
    [{ port: [1873] }, "chadburn.config.json: port: must be a string or a number"],
    [{ anonymous: "admin" }, "chadburn.config.json: anonymous: Allowed choices are none, viewer, crew, bridge."],
    [{ dev: "yes" }, "chadburn.config.json: dev: must be true or false"],
    [
      { allowedOrigins: ["https://ok.example", "lab.example"] },
      'chadburn.config.json: allowedOrigins: "lab.example" is not an origin: write scheme://host[:port], e.g. https://chadburn.example.org',
    ],
    [{ trustProxy: [{}] }, "chadburn.config.json: trustProxy: must be a string or a list of strings"],
    [[1873], 'chadburn.config.json: must be a JSON object of settings, e.g. {"port": 1873}'],
    ["{port: 1873}", /^chadburn\.config\.json: not JSON \([^\n]+\)$/],
  ])("%j is refused in one line naming the key", (content, message) => {
    expect(() => folder({ "chadburn.config.json": content }).load()).toThrow(typeof message === "string" ? new Error(message) : message);
  });

  it("a config file others may write, or another user owns (root excepted), is refused: it decides who may do what", () => {
    const { dir, load } = folder({ "chadburn.config.json": { anonymous: "bridge" } });
    for (const mode of [0o664, 0o646]) {
      chmodSync(path.join(dir, "chadburn.config.json"), mode);
      expect(() => load()).toThrow(new Error(`chadburn.config.json: writable by other users (mode 0${mode.toString(8)}): chmod go-w it`));
    }
    chmodSync(path.join(dir, "chadburn.config.json"), 0o644);
    expect(load()?.anonymous).toBe("bridge");
    // Ownership, for a server running as uid 1000: its own file, root's, or someone else's.
    expect(untrusted({ mode: 0o100644, uid: 1000 }, 1000)).toBeUndefined();
    expect(untrusted({ mode: 0o100644, uid: 0 }, 1000)).toBeUndefined();
    expect(untrusted({ mode: 0o100644, uid: 1001 }, 1000)).toBe(
      "owned by another user (uid 1001), not by the one running chadburn (uid 1000) nor root: chown it",
    );
  });

  it("a config file named but missing is refused; the default one may be missing", () => {
    const { load } = folder({});
    expect(() => load(["--config", "lab.json"])).toThrow(new Error("--config lab.json: no such file"));
    expect(() => load([], { CHADBURN_CONFIG: "lab.json" })).toThrow(new Error("CHADBURN_CONFIG lab.json: no such file"));
    expect(load()?.port).toBe(1873);
  });

  it("has a key for every setting, each in docs/configuration.md with its flag and variable", () => {
    const docs = readFileSync(new URL("../docs/configuration.md", import.meta.url), "utf8");
    const keys = configKeys(settingOptions());
    expect([...keys.keys()]).toContain("allowedOrigins");
    for (const [key, option] of keys) expect(docs).toContain(`| \`${key}\` | \`${option.long}\` | \`${option.envVar}\` |`);
  });
});
