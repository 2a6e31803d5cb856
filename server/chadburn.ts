// Composition: the files, the core, socket.io and HTTP on one server. Nothing here reads the
// environment; main.ts hands in the config (tests hand in their own).
import { mkdir, writeFile } from "node:fs/promises";
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { Duplex } from "node:stream";
import { type FacePosition, type LinkHealth, type LinkName, SOCKET_PATH, type TelegraphConnection } from "../lib/protocol";
import type { Readiness } from "../lib/routes";
import { createListeners } from "./gateway/listeners";
import type { Config } from "./config";
import { clientInfo } from "./gateway/address";
import { listeningFor } from "./gateway/given";
import { securityHeaders } from "./gateway/headers";
import { httpHandler } from "./gateway/http";
import { originCheck } from "./gateway/origin";
import { watchOtherWriters } from "./gateway/revocations";
import { attachSockets } from "./gateway/socket";
import { openFileLink } from "./links/file-link";
import type { TelegraphLink } from "./links/link";
import { readPositionFile } from "./links/position-file";
import { openSerialLink } from "./links/serial-link";
import { audit } from "./people/audit";
import { identify, nameOwner } from "./people/identity";
import { lockout } from "./people/lockout";
import { people } from "./people/people";
import { sessions } from "./people/sessions";
import { tokens } from "./people/tokens";
import { openMemory } from "./store/memory";
import { openReceipts } from "./history/receipts";
import { DEFAULT_SLUG } from "../lib/telegraphs";
import { exposedFolder, openStore } from "./store/store";
import { checkpointElsewhere } from "./store/checkpoints";
import { type PushSettings, createPush } from "./push/send";
import type { Logger } from "./log";
import { createMetrics } from "./metrics";
import { createBus } from "./telegraph/bus";
import { createDispatch } from "./telegraph/dispatch";
import { logFacts } from "./telegraph/log-facts";
import { changeOf, restore } from "./telegraph/telegraph";

/** Next's handlers, when the panel is served by this process. */
export interface Web {
  request(req: IncomingMessage, res: ServerResponse): Promise<void>;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void>;
  /** Next's development runtime, whose pages need a laxer policy (headers.ts). */
  dev: boolean;
}

export interface Chadburn {
  port: number;
  /** Where panels find it: "http://localhost:1873" when it listens on every interface. */
  url: string;
  /** Tells panels why, closes every connection and the watch. */
  close(reason?: string): Promise<void>;
}

type Settings = Pick<
  Config,
  "port" | "host" | "dataDir" | "statusFile" | "acceptFile" | "face" | "serial" | "baud" | "anonymous" | "allowedOrigins" | "trustProxy" | "tls"
> &
  Partial<
    Pick<Config, "keepEvents" | "keepEventsDays" | "keepReceiptsDays" | "connectionsPerAddress" | "publicUrl" | "metricsToken" | "metricsPublic">
  > & {
    /** Web Push's timings and limits; tests let it reach their own push service on loopback (server/push/send.ts). */
    push?: PushSettings;
  };

/** The files the telegraph and we share, created (folders too) on first start; restart state comes from them. */
async function readFiles({ statusFile, acceptFile, face }: Settings, log: Logger) {
  const saved: Parameters<typeof restore>[3] = {};
  for (const [file, key] of [
    [statusFile, "order"],
    [acceptFile, "answer"],
  ] as const) {
    await mkdir(path.dirname(file), { recursive: true });
    // Created when missing; only read otherwise (the telegraph's host may own it, read-only to us).
    await writeFile(file, "", { flag: "wx" }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "EEXIST") throw error;
    });
    const read = readPositionFile(file, face);
    if (read.kind === "position") saved[key] = { position: read.position, at: read.mtime.toISOString() };
    if (read.kind === "error") log.warn(`${file} ignored at start: ${read.error}`);
  }
  return saved;
}

export async function startChadburn(settings: Settings, log: Logger, web?: Web): Promise<Chadburn> {
  const since = new Date().toISOString();
  // Panels see the serial line when there is one: it is the telegraph itself.
  const connection: TelegraphConnection = settings.serial
    ? { link: "serial", connected: false, since, device: settings.serial }
    : { link: "status-file", connected: true, since };
  const exposed = exposedFolder(settings.dataDir); // before openStore makes a missing one, closed
  if (exposed) log.warn(exposed);
  const store = openStore(settings.dataDir);
  const checkpoints = checkpointElsewhere(store, (error) => log.error(error.message)); // off the event loop (performance)
  const memory = openMemory(store, {
    dataDir: settings.dataDir,
    log,
    retention: { keepEvents: settings.keepEvents, keepEventsDays: settings.keepEventsDays },
  });
  const receipts = openReceipts(store, { log, keepDays: settings.keepReceiptsDays }); // written once a second, not per receipt
  const { state: initial, facts } = restore(settings.face, connection, memory.remembered, await readFiles(settings, log));
  for (const fact of facts) memory.keep(fact, initial);
  const http = settings.tls ? createHttpsServer(settings.tls) : createServer(); // HTTPS and WSS, or plain, on the one port
  const links: TelegraphLink[] = [];
  const client = clientInfo(settings.trustProxy);
  const origins = originCheck(settings.allowedOrigins, client.secure, log); // one for both gateways: a refused origin is logged once
  const auditLog = audit(store);
  // Read at scrape time: sockets exists by the time anyone can ask.
  const metrics = createMetrics({ panels: () => sockets.connected(), links: () => links.map((link) => link.health()) });
  const push = createPush({ store, dataDir: settings.dataDir, log, anonymousMaySee: settings.anonymous !== "none", settings: settings.push });
  // The facts go out once; each adapter subscribes to what it needs, the store first: no panel is
  // shown a seq that a crash could take back.
  const bus = createBus(log);
  bus.on("store", ["ordered", "answered", "expired"], (fact, { state }) => memory.keep(fact, state));
  // Then the panels, before anything else: each gets the change alone (a few hundred bytes).
  bus.onEvery("panels", (fact, { state }) => metrics.timeBroadcast(() => sockets.broadcast(changeOf(fact, state))));
  bus.on("metrics", ["ordered", "answered"], (fact) => metrics.count(fact));
  bus.on("push", ["ordered"], (fact) => push.notify(fact.order)); // returns at once: the pushes go out after the broadcast
  logFacts(bus, log);
  // Each link, once open, is told every order (but one it gave) and every answer; the dispatch waits for its write.
  const attach = (link: TelegraphLink) => {
    links.push(link);
    bus.on(link.name, ["ordered", "answered"], (fact) =>
      fact.type === "answered" ? link.tellAnswer(fact.answer.position) : fact.link !== link.name && link.tellOrder(fact.order.position),
    );
  };
  const telegraph = createDispatch(initial, bus);
  const signIns = sessions(store, lockout());
  const who = identify({ tokens: tokens(store), sessions: signIns }, settings.anonymous);
  const names = nameOwner(store);
  // Sign-in links name the public URL, else the address we serve (known once listening): never a request's Host.
  let served = "";
  const inviteUrl = (code: string) => `${settings.publicUrl ?? served}/welcome#${code}`;
  const accounts = { people: people(store), sessions: signIns, audit: auditLog, changed: (personId: number) => sockets.refresh(personId), inviteUrl };
  // Before socket.io attaches: it then keeps its own path's requests from reaching this handler.
  // Ready once the status file is watched and we listen: orders can come in, from the file even
  // while a serial telegraph is unplugged (its state is in the body, not a condition).
  let phase: Readiness["status"] = "starting";
  const readiness = (): Readiness => ({ status: phase, panel: web ? "prepared" : "none", links: links.map((link) => link.health()) });
  // Who listens counts for an order that everyone must answer: people who may answer, each once.
  const giving = { face: settings.face, listening: () => sockets.present() };
  // The telegraphs whose history the API serves: the one the flags describe.
  const telegraphs = { get: (slug: string) => (slug === DEFAULT_SLUG ? { slug, title: "Telegraph", face: settings.face } : undefined) };
  http.on(
    "request",
    httpHandler({
      telegraph,
      giving,
      readiness,
      metrics,
      presence: () => sockets.presence(),
      origins,
      who,
      client,
      names,
      accounts,
      log,
      web: web?.request,
      push,
      history: { store, telegraphs },
      metricsAccess: { public: settings.metricsPublic, token: settings.metricsToken },
    }),
  );
  const sockets = attachSockets(
    http,
    telegraph,
    createListeners(),
    { origins, who, client, names, face: settings.face, connectionsPerAddress: settings.connectionsPerAddress },
    log,
    receipts.sink(DEFAULT_SLUG),
  );
  // The `chadburn` command changes people and tokens from another process: open panels learn within a second.
  const otherWriters = watchOtherWriters(store, () => sockets.recheck(), log);
  // After: socket.io took over the listeners there were, and this one runs before it, on every request.
  http.prependListener("request", securityHeaders(web?.dev ?? false, client.secure));

  const fromTelegraph = (link: LinkName) => (position: FacePosition) =>
    void telegraph.handle({
      type: "order",
      position,
      source: "telegraph",
      link,
      from: { who: "telegraph" }, // the audit log names the link as where it came from
      ...listeningFor(position, giving.listening),
    });
  const onHealth = (health: LinkHealth) => void telegraph.handle({ type: "link", health });
  attach(
    openFileLink({
      statusFile: settings.statusFile,
      acceptFile: settings.acceptFile,
      face: settings.face,
      log,
      onOrder: fromTelegraph("status-file"),
      onHealth,
      onRecovery: metrics.watchRecovered,
    }),
  );
  if (settings.serial) {
    attach(
      openSerialLink({
        device: settings.serial,
        baud: settings.baud,
        face: settings.face,
        log,
        onOrder: fromTelegraph("serial"),
        onTelegraph: (said) => void telegraph.handle({ type: "telegraph", ...said }),
        onHealth,
        answer: initial.answer?.position,
      }),
    );
  }

  if (web) {
    http.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (!req.url?.startsWith(SOCKET_PATH)) void web.upgrade(req, socket, head);
    });
  }

  for (const link of links) onHealth(link.health());
  await Promise.all(links.map((link) => link.ready));
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(settings.port, settings.host, resolve);
  });

  phase = "ready"; // main.ts hands in `web` only after Next's prepare(): the panel is ready too
  const { port } = http.address() as AddressInfo;
  const host = !settings.host ? "localhost" : settings.host.includes(":") ? `[${settings.host}]` : settings.host;
  const url = `${settings.tls ? "https" : "http"}://${host}:${port}`;
  served = url;
  const first = accounts.people.firstAdminInvite();
  if (first) log.warn(`Sign in as ${first.name} with this one-time link (valid 24 hours): ${inviteUrl(first.code)}`);

  return {
    port,
    url,
    async close(reason = "server restarting") {
      phase = "closing"; // before anything closes: load balancers stop sending new work here
      await Promise.all(links.map((link) => link.close()));
      http.closeIdleConnections();
      await sockets.close(reason); // also closes the HTTP server
      http.closeAllConnections();
      telegraph.close();
      otherWriters.stop();
      await push.close();
      memory.close();
      receipts.close();
      await checkpoints.close();
      store.close();
    },
  };
}
