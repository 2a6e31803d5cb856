// Composition: the files, the core, socket.io and HTTP on one server. Nothing here reads the
// environment; main.ts hands in the config (tests hand in their own).
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Server } from "node:net";
import type { Duplex } from "node:stream";
import { SOCKET_PATH } from "../lib/protocol";
import { DEFAULT_SLUG } from "../lib/telegraphs";
import type { ClusterHealth, Readiness } from "../lib/routes";
import { createListeners } from "./gateway/listeners";
import type { Config } from "./config";
import { DEFAULT_TITLE } from "./config-telegraphs";
import { type Built, buildTelegraph, connectionOf, registryOf } from "./telegraphs";
import { type AsWriter, clusteredTelegraph } from "./cluster/node";
import { openCluster } from "./cluster/open";
import { openMqttBridge } from "./mqtt/bridge";
import { mqttCommands } from "./mqtt/commands";
import { inProcess, inRedis } from "./gateway/limits";
import { listenersAcrossNodes } from "./cluster/presence";
import { initial, snapshot } from "./telegraph/telegraph";
import { adoptDefaultMemory } from "./store/adopt";
import { clientInfo } from "./gateway/address";
import { securityHeaders } from "./gateway/headers";
import { httpHandler } from "./gateway/http";
import { originCheck } from "./gateway/origin";
import { watchOtherWriters } from "./gateway/revocations";
import { attachSockets } from "./gateway/socket";
import { audit } from "./people/audit";
import { identify, nameOwner } from "./people/identity";
import { lockout } from "./people/lockout";
import { people, telegraphRolesOf } from "./people/people";
import { sessions } from "./people/sessions";
import { tokens } from "./people/tokens";
import { openReceipts } from "./history/receipts";
import { exposedFolder, openStore } from "./store/store";
import { holdDataFolder } from "./store/held";
import { checkpointElsewhere } from "./store/checkpoints";
import { type PushSettings, createPush } from "./push/send";
import type { Logger } from "./log";
import { createMetrics } from "./metrics";

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

/** Every telegraph (config-telegraphs.ts) and the default's slug (null: none); absent, the one the flags describe is the default. */
type TelegraphSettings = Partial<Pick<Config, "telegraphs" | "defaultTelegraph">>;

type Settings = Pick<
  Config,
  "port" | "host" | "dataDir" | "statusFile" | "acceptFile" | "face" | "serial" | "baud" | "anonymous" | "allowedOrigins" | "trustProxy" | "tls"
> &
  Partial<
    Pick<
      Config,
      | "keepEvents"
      | "keepEventsDays"
      | "keepReceiptsDays"
      | "connectionsPerAddress"
      | "publicUrl"
      | "metricsToken"
      | "metricsPublic"
      | "redis"
      | "mqtt"
    >
  > &
  TelegraphSettings & {
    /** Web Push's timings and limits; tests let it reach their own push service on loopback (server/push/send.ts). */
    push?: PushSettings;
  };

/** The telegraphs to serve: as configured, or the one the flags describe. */
const telegraphsOf = (settings: Settings): Pick<Config, "telegraphs" | "defaultTelegraph"> => {
  if (settings.telegraphs) return { telegraphs: settings.telegraphs, defaultTelegraph: settings.defaultTelegraph ?? null };
  const { statusFile, acceptFile, face, serial, baud } = settings;
  return { telegraphs: [{ slug: DEFAULT_SLUG, title: DEFAULT_TITLE, statusFile, acceptFile, face, serial, baud }], defaultTelegraph: DEFAULT_SLUG };
};

export async function startChadburn(settings: Settings, log: Logger, web?: Web): Promise<Chadburn> {
  const exposed = exposedFolder(settings.dataDir); // before openStore makes a missing one, closed
  if (exposed) log.warn(exposed);
  // Nodes on Redis share their folder with each other alone: one of them writes at a time (server/cluster/).
  const letGo = holdDataFolder(settings.dataDir, { node: !!settings.redis });
  const store = openStore(settings.dataDir);
  const checkpoints = checkpointElsewhere(store, (error) => log.error(error.message)); // off the event loop (performance)
  const { telegraphs: specs, defaultTelegraph } = telegraphsOf(settings);
  adoptDefaultMemory(store, defaultTelegraph, log);
  const receipts = openReceipts(store, { log, keepDays: settings.keepReceiptsDays }); // written once a second, not per receipt
  const http = settings.tls ? createHttpsServer(settings.tls) : createServer(); // HTTPS and WSS, or plain, on the one port
  const client = clientInfo(settings.trustProxy);
  const origins = originCheck(settings.allowedOrigins, client.secure, log); // one for both gateways: a refused origin is logged once
  const auditLog = audit(store);
  /** The MQTT bridge (--mqtt), opened once the telegraphs and the panels' gateway are there. */
  let bridge: ReturnType<typeof openMqttBridge> | undefined;
  // With Redis, each telegraph's writer is the node that holds its lease; the others follow it (server/cluster/).
  const cluster = settings.redis ? await openCluster(settings.redis, log) : undefined;
  /** Limits per address: one allowance across the nodes, counted in Redis. */
  const limits = cluster ? inRedis(cluster.redis) : inProcess;
  /** Every telegraph's links' health, the default's (or the first's) first. */
  const linksOf = () => telegraphs.list().map(({ slug, links }) => ({ slug, links: links.map((link) => link.health()) }));
  // Read at scrape time: sockets and telegraphs exist by the time anyone can ask.
  const metrics = createMetrics({
    panels: () => sockets.connected(),
    links: linksOf,
    ...(cluster && { cluster: () => clusterHealth() }),
  });
  // A push names its telegraph's title when there are several, and its slug unless it is the default (lib/push.ts).
  const pushedAs = (slug: string) => ({
    ...(slug !== defaultTelegraph && { slug }),
    ...(specs.length > 1 && { title: specs.find((spec) => spec.slug === slug)?.title }),
  });
  const anonymousMaySee = settings.anonymous !== "none";
  const push = createPush({ store, dataDir: settings.dataDir, log, anonymousMaySee, pushedAs, settings: settings.push });
  const shared = {
    store,
    dataDir: settings.dataDir,
    log,
    retention: { keepEvents: settings.keepEvents, keepEventsDays: settings.keepEventsDays },
    metrics,
    panels: () => sockets,
    push,
    defaultSlug: defaultTelegraph,
    mqtt: () => bridge,
  };
  const built: Built[] = [];
  /** With Redis: whether this node writes each telegraph now, as `built` lists them. */
  const writing: (() => boolean)[] = [];
  /** With Redis: whether this node has each telegraph's state to show (not ready before: a balancer would send panels an empty one). */
  const known: (() => boolean)[] = [];
  /** With Redis: who listens to each telegraph on the other nodes. */
  const otherNodes = new Map<string, Awaited<ReturnType<typeof listenersAcrossNodes>>>();
  for (const spec of specs) {
    if (!cluster) {
      built.push(await buildTelegraph(spec, shared));
      continue;
    }
    const empty = snapshot(initial(spec.face, connectionOf(spec)));
    const build = (asWriter: AsWriter) => buildTelegraph(spec, shared, asWriter);
    const clustered = await clusteredTelegraph(spec, empty, build, cluster, () => sockets, log);
    otherNodes.set(spec.slug, await listenersAcrossNodes(cluster.redis, cluster.listen, spec.slug));
    built.push(clustered);
    writing.push(clustered.writing);
    known.push(clustered.known);
  }
  /** This node's part of several: whether it reaches Redis, and which telegraphs it writes. */
  const clusterHealth = (): ClusterHealth => {
    const since = cluster!.downSince();
    return { redis: since ? "does not answer" : "answers", ...(since && { since }), writes: built.filter((_, i) => writing[i]()).map((t) => t.slug) };
  };
  const telegraphs = registryOf(built, defaultTelegraph);
  const signIns = sessions(store, lockout());
  const who = identify({ tokens: tokens(store), sessions: signIns, telegraphRoles: telegraphRolesOf(store) }, settings.anonymous);
  const names = nameOwner(store);
  // Sign-in links name the public URL, else the address we serve (known once listening): never a request's Host.
  let served = "";
  const inviteUrl = (code: string) => `${settings.publicUrl ?? served}/welcome#${code}`;
  const accounts = {
    people: people(store),
    sessions: signIns,
    audit: auditLog,
    changed: (personId: number) => sockets.refresh(personId),
    inviteUrl,
    telegraphs: telegraphs.list().map(({ slug, title }) => ({ slug, title })),
  };
  // Before socket.io attaches: it then keeps its own path's requests from reaching this handler.
  // Ready once the status files are watched and we listen: orders can come in, from a file even
  // while a serial telegraph is unplugged (its state is in the body, not a condition).
  let phase: Readiness["status"] = "starting";
  const readiness = (): Readiness => {
    const each = linksOf();
    const status = phase === "ready" && !known.every((has) => has()) ? "starting" : phase;
    return { status, panel: web ? "prepared" : "none", links: each[0].links, ...(each.length > 1 && { telegraphs: each }) };
  };
  http.on(
    "request",
    httpHandler({
      telegraphs,
      limits,
      presence: (slug) => sockets.presence(slug),
      // Who listens counts for an order that everyone must answer: people who may answer, each once.
      listening: (slug) => sockets.present(slug),
      readiness,
      ...(cluster && { cluster: clusterHealth }),
      ...(settings.mqtt && { mqtt: () => bridge!.health() }),
      metrics,
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
    telegraphs,
    createListeners,
    { origins, who, client, names, connectionsPerAddress: settings.connectionsPerAddress, limits },
    log,
    receipts.sink,
    (slug) => otherNodes.get(slug),
  );
  cluster?.onPaused((since) => sockets.pause(since)); // Redis away: panels say their live updates are paused
  const told = () => built.map(({ slug, title, dispatch }) => ({ slug, title, snapshot: dispatch.snapshot() }));
  if (settings.mqtt) {
    const commands = mqttCommands(telegraphs, who, (slug) => sockets.present(slug), settings.mqtt.token);
    bridge = openMqttBridge(settings.mqtt, told, commands, log);
  }
  // The `chadburn` command changes people and tokens from another process: open panels learn within a second.
  const otherWriters = watchOtherWriters(store, () => sockets.recheck(), log);
  // After: socket.io took over the listeners there were, and this one runs before it, on every request.
  http.prependListener("request", securityHeaders(web?.dev ?? false, client.secure));

  if (web) {
    http.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (!req.url?.startsWith(SOCKET_PATH)) void web.upgrade(req, socket, head);
    });
  }

  async function close(reason = "server restarting") {
    phase = "closing"; // before anything closes: load balancers stop sending new work here
    await Promise.all(built.map((telegraph) => telegraph.closeLinks()));
    http.closeIdleConnections();
    await sockets.close(reason); // also closes the HTTP server
    http.closeAllConnections();
    for (const telegraph of built) telegraph.close();
    for (const others of otherNodes.values()) await others.stop(); // this node's panels are gone
    await bridge?.close(); // "offline", said before it goes
    await cluster?.close();
    otherWriters.stop();
    await push.close();
    receipts.close();
    await checkpoints.close();
    store.close();
    letGo();
  }

  await Promise.all(built.map((telegraph) => telegraph.open()));
  try {
    await listen(http, settings.port, settings.host);
  } catch (error) {
    await close(); // the folder, the store and the links are free again: this process may start once more
    throw error;
  }

  phase = "ready"; // main.ts hands in `web` only after Next's prepare(): the panel is ready too
  const { port } = http.address() as AddressInfo;
  const host = !settings.host ? "localhost" : settings.host.includes(":") ? `[${settings.host}]` : settings.host;
  const url = `${settings.tls ? "https" : "http"}://${host}:${port}`;
  served = url;
  const first = accounts.people.firstAdminInvite();
  if (first) log.warn(`Sign in as ${first.name} with this one-time link (valid 24 hours): ${inviteUrl(first.code)}`);

  return { port, url, close };
}

/**
 * Listens on the port and address asked for; one that cannot be had is said in one line, with what
 * to do, instead of the system's code (EADDRINUSE: another program has the port).
 */
function listen(http: Server, port: number, host: string | undefined): Promise<void> {
  const where = `port ${port} on ${host || "every interface"}`;
  const said: Record<string, string> = {
    EADDRINUSE: `${where} is in use by another program: stop it, or choose another port (--port, or "port" in the config file)`,
    EACCES: `${where} may not be opened by this user (ports below 1024 need privileges): choose another (--port, or "port" in the config file)`,
    EADDRNOTAVAIL: `${host} is not an address of this machine: choose one of its own (--host), or none to listen on every interface`,
  };
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => reject(said[error.code ?? ""] ? new Error(said[error.code!], { cause: error }) : error);
    http.once("error", failed);
    http.listen(port, host, () => {
      http.off("error", failed);
      resolve();
    });
  });
}
