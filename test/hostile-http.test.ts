// Hostile HTTP at the edges: Authorization schemes that are not ours (a proxy's Basic auth), paths
// that are not valid percent-encoding, what /metrics and /healthz tell strangers, sign-in links and
// the Host header, HSTS and the __Host- cookie, the data folder's modes, X-Powered-By, and the
// `chadburn` command's --token-file and config files others may write.
import { execFile, spawnSync } from "node:child_process";
import { chmodSync, statSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir } from "./support/files";
import { getJson, postJson } from "./support/http";
import { connect } from "./support/panels";
import { throwawayCertificate, token } from "./support/secrets";
import { type TestServer, startServer } from "./support/server";
import { listeningOn, spawnReady } from "./support/spawn";
import { tracker } from "./support/track";
import { waitFor, within } from "./support/wait";

const track = tracker();
afterEach(() => track.cleanup());

const root = path.resolve(import.meta.dirname, "..");
const PASSWORD = "correct horse battery";
/** user:pass, as a reverse proxy in front of the panel asks browsers for. */
const BASIC = "Basic dXNlcjpwYXNz";
const METRICS_TOKEN = "scraper-0123456789abcdef";

const throwaway = throwawayCertificate();

type Raw = { status: number; headers: http.IncomingHttpHeaders; body: any };

/** One request with exactly these headers (Host too, which fetch will not send), over http or https. */
function raw(
  url: string,
  { method = "GET", headers = {}, body }: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<Raw> {
  const client = url.startsWith("https:") ? https : http;
  return within(
    new Promise<Raw>((resolve, reject) => {
      client
        .request(url, { method, headers, ca: throwaway.ca, agent: false }, (res) => {
          let text = "";
          res.setEncoding("utf8").on("data", (chunk) => (text += chunk));
          res.on("end", () =>
            resolve({
              status: res.statusCode!,
              headers: res.headers,
              body: /json/.test(res.headers["content-type"] ?? "") ? JSON.parse(text) : text,
            }),
          );
        })
        .on("error", reject)
        .end(body === undefined ? undefined : JSON.stringify(body));
    }),
    `${method} ${url}`,
  );
}

/** Signs the first admin in with the link the server logged: the link's line, the Set-Cookie, and the cookie to send. */
async function signInAdmin(server: TestServer) {
  const line = server.logs.find((l) => l.includes("/welcome#signin_"))!;
  const res = await raw(`${server.url}/api/session`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: { code: line.slice(line.indexOf("#") + 1), password: PASSWORD },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const setCookie = res.headers["set-cookie"]![0];
  return { line, setCookie, cookie: setCookie.split(";")[0] };
}

/** `chadburn ARGS` (bin/chadburn.mjs) in `cwd`; resolves once it exits. */
function chadburn(args: string[], cwd = root): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env }; // none of the test runner's own settings
    for (const name of ["CHADBURN_TOKEN", "CHADBURN_TOKEN_FILE", "CHADBURN_URL", "CHADBURN_PUBLIC_URL"]) delete env[name];
    execFile(process.execPath, [path.join(root, "bin/chadburn.mjs"), ...args], { cwd, env }, (error, out, err) =>
      resolve({ code: error ? Number(error.code) : 0, out, err }),
    );
  });
}

const modeOf = (file: string) => statSync(file).mode & 0o777;

describe("an Authorization header that is not Bearer (a proxy's Basic auth) is not ours", () => {
  it("over HTTP the request keeps its cookie's role, or the anonymous one; only a wrong Bearer token is refused", async () => {
    const server = track.server(await startServer({ anonymous: "crew" }));
    const basic = { authorization: BASIC };
    expect((await getJson(`${server.url}/api/state`, { headers: basic })).status).toBe(200);
    expect((await postJson(`${server.url}/api/answer`, { position: 7 }, basic)).status).toBe(200);
    expect(await postJson(`${server.url}/api/order`, { position: 7 }, basic)).toMatchObject({
      status: 401,
      body: { error: "sending orders needs the bridge role" },
    });
    const { cookie } = await signInAdmin(server);
    expect((await getJson(`${server.url}/api/session`, { headers: { ...basic, cookie } })).body).toEqual({
      role: "admin",
      name: "admin",
      via: "session",
    });
    expect((await postJson(`${server.url}/api/order`, { position: 7 }, { ...basic, cookie })).status).toBe(200);
    const forged = await postJson(`${server.url}/api/order`, { position: 8 }, { authorization: "Bearer chadburn_forged", cookie });
    expect(forged).toMatchObject({ status: 401, body: { error: expect.stringMatching(/not valid/) } });
  });

  it("socket.io's handshake too: a panel behind Basic auth connects as its cookie says, or anonymously", async () => {
    const server = track.server(await startServer({ anonymous: "viewer" }));
    const { cookie } = await signInAdmin(server);
    const admin = track.client(await within(connect(server.url, { extraHeaders: { authorization: BASIC, cookie } }), "the signed-in panel"));
    expect(admin.you).toEqual({ role: "admin", name: "admin", via: "session" });
    const anyone = track.client(await within(connect(server.url, { extraHeaders: { authorization: BASIC } }), "the anonymous panel"));
    expect(anyone.you).toEqual({ role: "viewer", via: "anonymous" });
  });
});

describe("a path that is not valid percent-encoding", () => {
  it("is a 400 naming it on every route with a parameter, whatever the method, credentials or none; no error is logged", async () => {
    const server = track.server(await startServer({ anonymous: "none" }));
    for (const [method, route] of [
      ["GET", "/api/people/%E0"],
      ["PATCH", "/api/people/%E0"],
      ["DELETE", "/api/people/%C0%AF"],
      ["POST", "/api/people/%E0/reset"],
      ["DELETE", "/api/people/%/sessions"],
    ]) {
      const res = await getJson(`${server.url}${route}`, {
        method,
        headers: { "content-type": "application/json" },
        ...(method !== "GET" && { body: "{}" }),
      });
      expect(res, `${method} ${route}`).toMatchObject({ status: 400, body: { error: `the path is not valid percent-encoding: ${route}` } });
    }
    expect(server.logs.filter((line) => line.includes("/api/people/%"))).toEqual([]);
  });
});

describe("what strangers learn", () => {
  it(
    "/metrics as the panel: not to anonymous callers with --anonymous none; " +
      "to a viewer's token, the metrics token, or anyone with --metrics-public",
    async () => {
      const scrape = async (server: TestServer, headers: Record<string, string> = {}) => (await fetch(`${server.url}/metrics`, { headers })).status;
      const closed = track.server(await startServer({ anonymous: "none", metricsToken: METRICS_TOKEN }));
      expect(await scrape(closed)).toBe(401);
      expect((await getJson(`${closed.url}/metrics`)).body).toEqual({ error: "seeing the panel needs the viewer role" });
      for (const authorization of [BASIC, `Bearer ${METRICS_TOKEN}x`, `Bearer ${METRICS_TOKEN.slice(1)}`])
        expect(await scrape(closed, { authorization }), authorization).toBe(401);
      const scraped = await fetch(`${closed.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toMatch(/^chadburn_panels_connected 0$/m);
      expect(await scrape(closed, { authorization: `Bearer ${token(closed, "screen", "viewer")}` })).toBe(200);

      expect(await scrape(track.server(await startServer({ anonymous: "none", metricsPublic: true })))).toBe(200);
      expect(await scrape(track.server(await startServer({ anonymous: "crew" })))).toBe(200); // anonymous may see the panel there
    },
  );

  it("/healthz: 200 with its status and reasons to anyone, but where the files and the device are only to those who may see", async () => {
    const server = track.server(await startServer({ anonymous: "none", serial: "/nonexistent/chadburn-tty" }));
    writeFileSync(server.statusFile, "full astern\n");
    const health = (headers: Record<string, string> = {}) => getJson(`${server.url}/healthz`, { headers });
    const anonymous = await waitFor(async () => {
      const res = await health();
      return res.body.links.some((link: { state: string }) => link.state === "error") ? res : undefined;
    }, "the health to say the status file is unreadable");
    expect(anonymous.status).toBe(200);
    expect(anonymous.body.links).toEqual([
      expect.objectContaining({
        link: "serial",
        state: "disconnected",
        at: "chadburn-tty",
        error: expect.stringMatching(/cannot open chadburn-tty$/),
      }),
      expect.objectContaining({ link: "status-file", state: "error", at: "status.eot" }),
    ]);
    expect(anonymous.body.telegraph).toMatchObject({ link: "serial", device: "chadburn-tty" });
    expect(JSON.stringify(anonymous.body)).not.toMatch(/nonexistent|chadburn-test-/);
    expect(anonymous.body).toMatchObject({ status: "degraded", reasons: [expect.stringMatching(/^status file unreadable since \S+: /)] });
    expect((await health({ authorization: "Bearer chadburn_forged" })).status).toBe(200); // a probe's wrong token is still a probe

    const viewer = await health({ authorization: `Bearer ${token(server, "screen", "viewer")}` });
    expect(viewer.body.links.map((link: { at: string }) => link.at)).toEqual(["/nonexistent/chadburn-tty", server.statusFile]);
    expect(viewer.body.telegraph.device).toBe("/nonexistent/chadburn-tty");
  });

  it("no X-Powered-By: not on Next's pages, nor on the API's, socket.io's or any 404", { timeout: 60_000 }, async () => {
    // The panel's production build, as npm-start.test.ts needs it (npm test builds before the suite).
    const check = spawnSync(process.execPath, ["scripts/build-if-needed.mjs", "--check"], { cwd: root, encoding: "utf8" });
    expect(check.status, `${check.stdout.trim()} Run node scripts/build-if-needed.mjs first.`).toBe(0);
    const dir = track.dir(await tempDir());
    const command = [process.execPath, "--import", "tsx", "server/main.ts", "--port", "0", "--host", "127.0.0.1", "--data-dir", dir];
    const url = await track.child(spawnReady(command, listeningOn, { what: "the server and its panel to listen" })).ready;
    for (const route of ["/", "/signin", "/no-such-page", "/api/state", "/api/nothing", "/healthz", "/socket.io/?EIO=4&transport=polling"]) {
      const res = await fetch(`${url}${route}`);
      expect(res.headers.get("x-powered-by"), `${route} (${res.status})`).toBeNull();
    }
  });
});

describe("sign-in links name the public URL, never the request's Host", () => {
  const hostile = (cookie: string) => ({ host: "evil.example", origin: "http://evil.example", cookie, "content-type": "application/json" });

  it("--public-url: the first admin's link and every invitation and new link, whatever Host and Origin the admin's request came with", async () => {
    const server = track.server(await startServer({ publicUrl: "https://chadburn.lab.example" }));
    const { line, cookie } = await signInAdmin(server);
    expect(line).toMatch(/: https:\/\/chadburn\.lab\.example\/welcome#signin_[\w-]{43}$/);
    const invited = await raw(`${server.url}/api/people`, { method: "POST", headers: hostile(cookie), body: { name: "Bob", role: "crew" } });
    expect(invited).toMatchObject({
      status: 201,
      body: { link: expect.stringMatching(/^https:\/\/chadburn\.lab\.example\/welcome#signin_[\w-]{43}$/) },
    });
    const reset = await raw(`${server.url}/api/people/Bob/reset`, { method: "POST", headers: hostile(cookie) });
    expect(reset).toMatchObject({ status: 200, body: { link: expect.stringMatching(/^https:\/\/chadburn\.lab\.example\/welcome#signin_/) } });
  });

  it("without it, the address the server serves", async () => {
    const server = track.server(await startServer());
    const { cookie } = await signInAdmin(server);
    const invited = await raw(`${server.url}/api/people`, { method: "POST", headers: hostile(cookie), body: { name: "Bob", role: "crew" } });
    expect(invited.body.link).toMatch(new RegExp(`^${server.url}/welcome#signin_`));
  });
});

describe("over HTTPS", () => {
  const HSTS = "max-age=31536000";

  it("Strict-Transport-Security only when the request came over TLS, here or at a trusted proxy", async () => {
    const secure = track.server(await startServer({ tls: throwaway.tls }));
    expect((await raw(`${secure.url}/healthz`)).headers["strict-transport-security"]).toBe(HSTS);
    const proxied = track.server(await startServer({ trustProxy: ["127.0.0.1"] }));
    expect((await raw(`${proxied.url}/healthz`)).headers["strict-transport-security"]).toBeUndefined();
    expect((await raw(`${proxied.url}/api/state`, { headers: { "x-forwarded-proto": "https" } })).headers["strict-transport-security"]).toBe(HSTS);
    const direct = track.server(await startServer());
    expect((await raw(`${direct.url}/healthz`, { headers: { "x-forwarded-proto": "https" } })).headers["strict-transport-security"]).toBeUndefined();
  });

  it("the session cookie is __Host- over HTTPS and plain over HTTP, and each scheme reads only its own", async () => {
    const secure = track.server(await startServer({ tls: throwaway.tls, anonymous: "viewer" }));
    const { setCookie, cookie } = await signInAdmin(secure);
    expect(setCookie).toMatch(/^__Host-chadburn_session=session_[\w-]{43}; Max-Age=2592000; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    const who = async (server: TestServer, sent: string) => (await raw(`${server.url}/api/session`, { headers: { cookie: sent } })).body;
    expect(await who(secure, cookie)).toEqual({ role: "admin", name: "admin", via: "session" });
    // The plain name over HTTPS could have been planted by a plain-HTTP page: not read.
    expect(await who(secure, cookie.replace(/^__Host-/, ""))).toEqual({ role: "viewer", via: "anonymous" });
    const panel = track.client(await within(connect(secure.url, { ca: throwaway.ca, extraHeaders: { cookie } }), "the panel over wss"));
    expect(panel.you).toEqual({ role: "admin", name: "admin", via: "session" });
    const out = await raw(`${secure.url}/api/session`, { method: "DELETE", headers: { cookie } });
    expect(out.headers["set-cookie"]).toEqual(["__Host-chadburn_session=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax"]);

    const plain = track.server(await startServer({ anonymous: "viewer" }));
    const lan = await signInAdmin(plain);
    expect(lan.setCookie).toMatch(/^chadburn_session=session_[\w-]{43}; Max-Age=2592000; Path=\/; HttpOnly; SameSite=Lax$/);
    expect(await who(plain, lan.cookie)).toEqual({ role: "admin", name: "admin", via: "session" });
    expect(await who(plain, `__Host-${lan.cookie}`)).toEqual({ role: "viewer", via: "anonymous" });
  });
});

describe("the data folder is the server's user's alone", () => {
  it(
    "a new folder is 0700; the store, its -wal and -shm, and vapid.json 0600; " +
      "the status and accept files keep the usual mode, for the telegraph's host",
    async () => {
      const dir = path.join(track.dir(await tempDir()), "data");
      const server = track.server(await startServer({ dir }));
      expect(modeOf(dir)).toBe(0o700);
      expect(["chadburn.db", "chadburn.db-wal", "chadburn.db-shm", "vapid.json"].map((name) => modeOf(path.join(dir, name)))).toEqual([
        0o600, 0o600, 0o600, 0o600,
      ]);
      const usual = 0o666 & ~process.umask();
      expect([modeOf(server.statusFile), modeOf(server.acceptFile)]).toEqual([usual, usual]);
      expect(server.logs.filter((line) => line.startsWith("data folder"))).toEqual([]);
    },
  );

  it("an older folder open to others: said once at start (its mode is the admin's to change), and the store in it narrowed to 0600", async () => {
    const dir = track.dir(await tempDir());
    chmodSync(dir, 0o755);
    const older = new Database(path.join(dir, "chadburn.db"));
    older.pragma("journal_mode = WAL");
    older.close();
    chmodSync(path.join(dir, "chadburn.db"), 0o644);
    const server = track.server(await startServer({ dir }));
    const said = server.logs.filter((line) => line.startsWith("data folder"));
    expect(said).toEqual([expect.stringMatching(new RegExp(`^data folder ${dir} is open to other users \\(mode 0755\\): chmod 700 it`))]);
    expect([modeOf(dir), modeOf(path.join(dir, "chadburn.db"))]).toEqual([0o755, 0o600]);
  });

  it("the chadburn command makes a missing data folder 0700 and its store 0600", async () => {
    const dir = path.join(track.dir(await tempDir()), "data");
    expect(await chadburn(["user", "add", "Ann", "--role", "crew", "--data-dir", dir])).toMatchObject({ code: 0, err: "" });
    expect([modeOf(dir), modeOf(path.join(dir, "chadburn.db"))]).toEqual([0o700, 0o600]);
  });
});

describe("the chadburn command's secrets and settings", () => {
  it(
    "--token-file: the token from a file, its newline trimmed (--token shows in ps); a file that will not do is one line, exit 2",
    { timeout: 60_000 },
    async () => {
      const server = track.server(await startServer({ anonymous: "none" }));
      const dir = track.dir(await tempDir());
      const file = path.join(dir, "token");
      writeFileSync(file, `${token(server, "screen", "viewer")}\n`, { mode: 0o600 });
      const status = (...args: string[]) => chadburn(["status", "--url", server.url, ...args]);
      expect(await status("--token-file", file)).toMatchObject({ code: 0, err: "", out: expect.stringContaining("no order yet") });
      expect(await status()).toMatchObject({ code: 2, out: "" });
      expect(await status("--token-file", path.join(dir, "gone"))).toEqual({
        code: 2,
        out: "",
        err: `chadburn: --token-file ${dir}/gone: no such file\n`,
      });
      expect(await status("--token-file", dir)).toEqual({ code: 2, out: "", err: `chadburn: --token-file ${dir}: not a token file\n` });
    },
  );

  it(
    "a config file others may write is refused in one line, exit 2; user add prints its link on the file's publicUrl",
    { timeout: 60_000 },
    async () => {
      const dir = track.dir(await tempDir());
      const config = path.join(dir, "chadburn.config.json");
      writeFileSync(config, JSON.stringify({ anonymous: "bridge" }));
      chmodSync(config, 0o666);
      expect(await chadburn(["user", "list"], dir)).toEqual({
        code: 2,
        out: "",
        err: "chadburn: chadburn.config.json: writable by other users (mode 0666): chmod go-w it\n",
      });
      writeFileSync(config, JSON.stringify({ publicUrl: "https://chadburn.lab.example", anonymous: "bridge" }));
      chmodSync(config, 0o644);
      const added = await chadburn(["user", "add", "Ann", "--role", "crew"], dir);
      expect(added).toMatchObject({ code: 0, out: expect.stringMatching(/^https:\/\/chadburn\.lab\.example\/welcome#signin_[\w-]{43}$/m) });
    },
  );
});
