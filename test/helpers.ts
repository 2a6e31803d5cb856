// Real servers on loopback with their own temporary files, and real socket.io clients.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { type ManagerOptions, type Socket, type SocketOptions, io } from "socket.io-client";
import type { ClientToServer, Face, ServerToClient, Snapshot, You } from "../lib/protocol";
import { type Chadburn, startChadburn } from "../server/app";
import { type Logger, createLogger } from "../server/log";
import type { PushSettings } from "../server/push/send";
import type { AnonymousRole } from "../server/people/identity";
import { DEFAULT_FACE } from "../lib/face";
import type { Role } from "../lib/roles";
import { tokens } from "../server/people/tokens";
import { openStore } from "../server/store/store";
import { type PtyPair, openPtyPair } from "../sim/pty";
import { type ServerProcess, within } from "./processes";

export * from "./processes";

export type Client = Socket<ServerToClient, ClientToServer>;

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

/** A new folder in `parent` (the system's temporary folder unless told). */
export async function tempDir(parent = tmpdir()): Promise<string> {
  return mkdtemp(path.join(parent, "chadburn-test-"));
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

export async function startServer(
  options: {
    dir?: string;
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
  } = {},
): Promise<TestServer> {
  const dir = options.dir ?? (await tempDir());
  const { log, logs } = captureLog();
  const statusFile = path.join(dir, "status.eot");
  const acceptFile = path.join(dir, "accept.eot");
  const chadburn = await startChadburn(
    {
      port: 0,
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

type ClientOptions = Partial<ManagerOptions & SocketOptions>;

/** A panel-like client (over WebSocket, no reconnecting), connecting; `options` add to those. */
function panelClient(url: string, options: ClientOptions): Client {
  return io(url, { transports: ["websocket"], reconnection: false, forceNew: true, ...options });
}

/** Connects a panel-like client and resolves with it, and who it is and the snapshot it got on connect. */
export async function connect(url: string, options: ClientOptions = {}): Promise<{ client: Client; first: Snapshot; you: You }> {
  const client = panelClient(url, options);
  const you = new Promise<You>((resolve) => client.once("you", resolve));
  const first = await nextState(client);
  return { client, first, you: await you };
}

/** Tries to connect a panel-like client that the server should refuse; resolves with socket.io's error. */
export function refusedConnection(url: string, options: ClientOptions = {}): Promise<Error> {
  const client = panelClient(url, options);
  return new Promise<Error>((resolve, reject) => {
    client.once("connect_error", resolve);
    client.once("connect", () => reject(new Error(`${url} let the client connect`)));
  }).finally(() => client.close());
}

/** The next `state` this client receives. */
export function nextState(client: Client): Promise<Snapshot> {
  return new Promise((resolve) => client.once("state", resolve));
}

/** Resolves with the first `state` that satisfies the test; every state seen is kept in `seen`. */
export function stateWhere(client: Client, test: (s: Snapshot) => boolean, seen: Snapshot[] = []): Promise<Snapshot> {
  return new Promise((resolve) => {
    const listener = (s: Snapshot) => {
      seen.push(s);
      if (!test(s)) return;
      client.off("state", listener);
      resolve(s);
    };
    client.on("state", listener);
  });
}

/** Records every state a client receives from now on. */
export function record(client: Client): Snapshot[] {
  const states: Snapshot[] = [];
  client.on("state", (s) => states.push(s));
  return states;
}

export type TestPty = PtyPair & { dir: string };

/**
 * A socat pty pair in a folder of its own (or `dir` again, to bring the same device back):
 * `a` is the device for the server's --serial, `b` the telegraph's end. Resolves once both exist.
 */
export async function ptyPair(dir?: string): Promise<TestPty> {
  const folder = dir ?? (await tempDir());
  return { ...(await openPtyPair(path.join(folder, "ttyA"), path.join(folder, "ttyB"))), dir: folder };
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

// ---- Writers, waiting and HTTP, shared by the integration tests ----

/** Runs a command line in a real shell (`sh -c`); rejects with its stderr if it fails. */
export function sh(command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("sh", ["-c", command], (error, stdout, stderr) => {
      if (error) reject(new Error(`sh -c ${JSON.stringify(command)}: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}

/** Quotes a path for `sh -c`. */
export function q(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * Polls until `probe` returns something truthy and resolves with it; for outcomes that are not
 * events a client receives (a log line, the health, a file's content). Fails after `timeout` ms.
 */
export async function waitFor<T>(probe: () => T | Promise<T>, what: string, timeout = 5000): Promise<NonNullable<Awaited<T>>> {
  const end = Date.now() + timeout;
  let last: Awaited<T> | undefined;
  for (;;) {
    last = await probe();
    if (last) return last as NonNullable<Awaited<T>>;
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * The states a client receives in the next `ms` milliseconds. Only for proving that nothing
 * arrives; to wait for something, use stateWhere.
 */
export async function statesDuring(client: Client, ms: number): Promise<Snapshot[]> {
  const states: Snapshot[] = [];
  const listener = (s: Snapshot) => states.push(s);
  client.on("state", listener);
  await new Promise((r) => setTimeout(r, ms));
  client.off("state", listener);
  return states;
}

/** The current order's seq, 0 before the first. */
export const seqOf = (s: Snapshot): number => s.order?.seq ?? 0;

/** Resolves when the client is disconnected, with socket.io's reason. */
export function disconnected(client: Client): Promise<string> {
  return new Promise((resolve) => {
    if (client.connected) client.once("disconnect", (reason) => resolve(reason));
    else resolve("not connected");
  });
}

export interface JsonResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** Requests a route that answers JSON (GET unless `init` says otherwise). */
export async function getJson<T = any>(url: string, init: RequestInit = {}): Promise<JsonResponse<T>> {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, body: (await res.json()) as T };
}

/** GET /api/state: the snapshot, without the presence that comes with it. */
export async function getSnapshot(url: string): Promise<Snapshot> {
  const { status, body } = await getJson(`${url}/api/state`);
  if (status !== 200) throw new Error(`GET /api/state: ${status} ${JSON.stringify(body)}`);
  const { presence: _, ...snapshot } = body;
  return snapshot;
}

/** POSTs a body: an object is sent as JSON, a string as is; the JSON content type unless `headers` replace it. */
export async function postJson<T = any>(url: string, body: unknown, headers: Record<string, string> = {}): Promise<JsonResponse<T>> {
  return getJson<T>(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/**
 * Closes clients, stops servers and socat made during a test, and removes their folders; call
 * `track.client(...)`, `track.server(...)`, `track.pty(...)`, `track.dir(...)` as you make them and
 * `track.cleanup()` in afterEach.
 */
export function tracker() {
  let clients: Client[] = [];
  let children: { stop(): Promise<void> }[] = [];
  let servers: { stop(): Promise<void> }[] = [];
  let ptys: PtyPair[] = [];
  let dirs: string[] = [];
  return {
    client<T extends { client: Client }>(connected: T): T {
      clients.push(connected.client);
      return connected;
    },
    server<S extends TestServer | ServerProcess>(server: S): S {
      servers.push(server);
      dirs.push(server.dir);
      return server;
    },
    /** A process of the test's own (panels, a relay), stopped before the servers. */
    child<P extends { stop(): Promise<void> }>(spawned: P): P {
      children.push(spawned);
      return spawned;
    },
    pty(pair: TestPty): TestPty {
      ptys.push(pair);
      dirs.push(pair.dir);
      return pair;
    },
    dir(dir: string): string {
      dirs.push(dir);
      return dir;
    },
    async cleanup(): Promise<void> {
      for (const client of clients) client.close();
      await Promise.all(children.map((c) => c.stop().catch(() => {})));
      await Promise.all(servers.map((s) => s.stop().catch(() => {})));
      await Promise.all(ptys.map((p) => p.stop())); // after the servers, which hold their ends open
      await Promise.all(dirs.map(removeDir));
      clients = [];
      children = [];
      servers = [];
      ptys = [];
      dirs = [];
    },
  };
}

// ---- A server with panels, and what they receive after a write ----

export type Tracker = ReturnType<typeof tracker>;

/** Long enough for the server to have read a change twice over (at once, and again after a quiet spell). */
export const QUIET_MS = 250;

/** A pause that is part of a scenario ("write again 200 ms later"); never to wait for an outcome. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A server whose folder sits inside a temp folder of its own (so the folder itself can be deleted),
 * made in `parent` (see tempDir), with `n` panels; all of it tracked.
 */
export async function serverWithPanels(track: Tracker, n = 1, parent?: string) {
  const base = track.dir(await tempDir(parent));
  const server = track.server(await startServer({ dir: path.join(base, "data") }));
  const panels = [];
  for (let i = 0; i < n; i++) panels.push(track.client(await connect(server.url)));
  return { server, clients: panels.map((p) => p.client), first: panels[0].first };
}

/** Writes, and resolves with the very next state the client receives after it. */
export async function expectNext(client: Client, write: () => unknown): Promise<Snapshot> {
  const [next] = await nextOnEach([client], write);
  return next;
}

/** Writes, and resolves with the very next state each client receives after it. */
export async function nextOnEach(clients: Client[], write: () => unknown): Promise<Snapshot[]> {
  const next = Promise.all(clients.map(nextState));
  await write();
  return within(next, `the state after ${write.toString().replace(/\s+/g, " ")}`, 3000);
}

/** What a snapshot's order holds after the telegraph wrote `position`, the `seq`th order. */
export const order = (position: number, seq: number) => ({ position, seq, source: "telegraph" });

/** A token made on the server's own store, as `chadburn token create` does. */
export function token(server: TestServer, name: string, role: Role): string {
  const store = openStore(server.dir);
  try {
    return tokens(store).create(name, role).secret;
  } finally {
    store.close();
  }
}

/** A throwaway certificate for 127.0.0.1 and localhost, valid a day, in a folder of its own (`dir`, to remove). */
export async function throwawayCertificate(): Promise<{ tls: { cert: Buffer; key: Buffer }; ca: string; dir: string }> {
  const dir = await tempDir();
  const [key, cert] = [path.join(dir, "key.pem"), path.join(dir, "cert.pem")];
  await sh(
    `/usr/bin/openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=localhost ` +
      `-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -keyout ${q(key)} -out ${q(cert)} 2>&1`,
  );
  const tls = { cert: await readFile(cert), key: await readFile(key) };
  return { tls, ca: tls.cert.toString(), dir };
}
