import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./config";
import { DEFAULT_FACE } from "./telegraph/face";

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
      anonymous: "crew",
      allowedOrigins: [],
      trustProxy: [],
      tls: undefined,
    });
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
    expect(load(["--trust-proxy", "127.0.0.1, 10.0.0.0/8", "--trust-proxy", "loopback,fd00::/8"])?.trustProxy).toEqual(["127.0.0.1", "10.0.0.0/8", "loopback", "fd00::/8"]);
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
    [["--tls-cert", "/etc/cert.pem"], /^--tls-cert: needs --tls-key too \(both, or neither\)$/],
    [["--tls-key", "/etc/key.pem"], /^--tls-key: needs --tls-cert too \(both, or neither\)$/],
    [["--tls-cert", "/no/cert.pem", "--tls-key", "/no/key.pem"], /^--tls-cert \/no\/cert\.pem: no such file$/],
    [["--tls-cert", "/dev/zero", "--tls-key", "/dev/zero"], /^--tls-cert \/dev\/zero: not a file$/],
    [["--face", "/etc"], /^--face \/etc: not a file$/],
    [["--face", "../../../../../../etc/passwd"], /^--face \/etc\/passwd: .*JSON/],
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
    const face = [{ position: 1, name: "tea", label: "TEA" }, { position: 2, name: "cake", label: "CAKE" }];
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
      execFileSync("/usr/bin/openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=localhost", "-keyout", key, "-out", cert], { stdio: "ignore" });
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
    for (const flag of ["--port", "--host", "--data-dir", "--status-file", "--accept-file", "--face", "--log-level", "--allowed-origin", "--tls-cert", "--tls-key", "--trust-proxy"]) {
      expect(printed).toContain(flag);
    }
    expect(printed).toContain("CHADBURN_STATUS_FILE");
  });
});
