// One telegraph's parts, built alike for each the server serves (issue 16): its memory in the store,
// the core's state restored, its bus with the adapters subscribed, its dispatch, and its links.
// Nothing is shared between two telegraphs but the store and the socket gateway, which keeps a room
// per telegraph: one's facts never reach another's panels, files or serial line.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { FacePosition, LinkHealth, LinkName, Snapshot, TelegraphConnection } from "../lib/protocol";
import { DEFAULT_SLUG } from "../lib/telegraphs";
import type { TelegraphSpec } from "./config-telegraphs";
import { listeningFor } from "./gateway/given";
import type { Registry, Served } from "./gateway/served";
import type { SocketGateway } from "./gateway/socket";
import { openFileLink } from "./links/file-link";
import type { TelegraphLink } from "./links/link";
import { readPositionFile } from "./links/position-file";
import { openSerialLink } from "./links/serial-link";
import type { Logger } from "./log";
import type { Metrics } from "./metrics";
import type { Push } from "./push/send";
import { type Retention, openMemory } from "./store/memory";
import type { Store } from "./store/store";
import { createBus } from "./telegraph/bus";
import { type Dispatch, createDispatch } from "./telegraph/dispatch";
import type { AsWriter } from "./cluster/node";
import { logFacts } from "./telegraph/log-facts";
import { changeOf, restore } from "./telegraph/telegraph";

/** What every telegraph is built with: the one store, the socket gateway (there once the links open), metrics, Web Push. */
export interface Shared {
  store: Store;
  dataDir: string;
  log: Logger;
  retention: Partial<Retention>;
  metrics: Metrics;
  panels: () => SocketGateway;
  push: Pick<Push, "notify">;
  /** The server's default telegraph, if any: the one the previous version's journal.jsonl goes to. */
  defaultSlug: string | null;
  /** The MQTT bridge, once there is one (server/mqtt/). */
  mqtt?: () => { changed(slug: string, snapshot: Snapshot): void } | undefined;
}

/** A telegraph, built: served by the gateways, its links opened by `open` once the socket gateway is there. */
export interface Built extends Served {
  links: TelegraphLink[];
  /** Opens its links (orders may come at once: the panels must be there) and resolves once each listens. */
  open(): Promise<void>;
  closeLinks(): Promise<void>;
  /** Stops the expiry timer and the pruning; the store is closed by its owner. */
  close(): void;
}

/** The files the telegraph and we share, created (folders too) on first start; restart state comes from them. */
async function readFiles({ statusFile, acceptFile, face }: Required<Pick<TelegraphSpec, "statusFile" | "acceptFile" | "face">>, log: Logger) {
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

/** How panels see the telegraph's connection before its links say more: the serial line when there is one, it is the telegraph itself. */
export function connectionOf(
  { statusFile, serial }: Pick<TelegraphSpec, "statusFile" | "serial">,
  since = new Date().toISOString(),
): TelegraphConnection {
  return serial ? { link: "serial", connected: false, since, device: serial } : { link: statusFile ? "status-file" : "none", connected: true, since };
}

/**
 * Builds one telegraph. With several nodes (`asWriter`, server/cluster/node.ts) this node is its
 * writer: each change goes to Redis too, and nothing is acted on once the node may have lost the lease.
 */
export async function buildTelegraph(spec: TelegraphSpec, shared: Shared, asWriter?: AsWriter): Promise<Built> {
  const { slug, title, face, statusFile, acceptFile, serial } = spec;
  const { store, metrics, panels, push } = shared;
  const log = slug === DEFAULT_SLUG ? shared.log : shared.log.child({ telegraph: slug });
  const connection = connectionOf(spec);
  const memory = openMemory(store, {
    dataDir: shared.dataDir,
    log,
    telegraph: slug,
    retention: shared.retention,
    journal: slug === shared.defaultSlug,
  });
  const saved = statusFile && acceptFile ? await readFiles({ statusFile, acceptFile, face }, log) : {};
  const { state: initial, facts } = restore(face, connection, memory.remembered, saved);
  for (const fact of facts) memory.keep(fact, initial);
  // The facts go out once; each adapter subscribes to what it needs, the store first: no panel is
  // shown a seq that a crash could take back.
  const bus = createBus(log);
  bus.on("store", ["ordered", "answered", "expired"], (fact, { state }) => memory.keep(fact, state));
  // Then the telegraph's panels, before anything else: each gets the change alone (a few hundred bytes).
  bus.onEvery("panels", (fact, { state }) => metrics.timeBroadcast(() => panels().broadcast(slug, changeOf(fact, state))));
  if (asWriter) bus.onEvery("cluster", (fact, { state, snapshot }) => asWriter.replicate(snapshot, changeOf(fact, state))); // the other nodes' panels
  bus.on("metrics", ["ordered", "answered"], (fact) => metrics.count(fact, slug));
  bus.on("push", ["ordered"], (fact) => push.notify(slug, fact.order)); // returns at once: the pushes go out after the broadcast
  bus.on("mqtt", ["ordered", "answered", "expired", "telegraph-changed"], (_, { snapshot }) => shared.mqtt?.()?.changed(slug, snapshot));
  logFacts(bus, log);
  const links: TelegraphLink[] = [];
  // Each link, once open, is told every order (but one it gave) and every answer; the dispatch waits for its write.
  const attach = (link: TelegraphLink) => {
    links.push(link);
    bus.on(link.name, ["ordered", "answered"], (fact) =>
      fact.type === "answered" ? link.tellAnswer(fact.answer.position) : fact.link !== link.name && link.tellOrder(fact.order.position),
    );
  };
  const core = createDispatch(initial, bus);
  const dispatch: Dispatch = asWriter ? { ...core, handle: (event) => (asWriter.mayWrite() ? core.handle(event) : asWriter.elsewhere(event)) } : core;
  const fromTelegraph = (link: LinkName) => (position: FacePosition) =>
    void dispatch.handle({
      type: "order",
      position,
      source: "telegraph",
      link,
      from: { who: "telegraph" }, // the audit log names the link as where it came from
      ...listeningFor(position, () => panels().present(slug)),
    });
  const onHealth = (health: LinkHealth) => void dispatch.handle({ type: "link", health });

  return {
    slug,
    title,
    face,
    dispatch,
    links,
    async open() {
      if (statusFile && acceptFile) {
        const onOrder = fromTelegraph("status-file");
        attach(openFileLink({ statusFile, acceptFile, face, log, onOrder, onHealth, onRecovery: () => metrics.watchRecovered(slug) }));
      }
      if (serial) {
        const { baud } = spec;
        const onTelegraph = (said: Parameters<Parameters<typeof openSerialLink>[0]["onTelegraph"]>[0]) =>
          void dispatch.handle({ type: "telegraph", ...said });
        attach(
          openSerialLink({
            device: serial,
            baud,
            face,
            log,
            onOrder: fromTelegraph("serial"),
            onTelegraph,
            onHealth,
            answer: initial.answer?.position,
          }),
        );
      }
      for (const link of links) onHealth(link.health());
      await Promise.all(links.map((link) => link.ready));
    },
    async closeLinks() {
      await Promise.all(links.map((link) => link.close()));
    },
    close() {
      dispatch.close();
      memory.close();
    },
  };
}

/** The registry the gateways (and the history's routes) find a telegraph in, by slug. */
export interface Telegraphs extends Registry {
  get(slug: string): Built | undefined;
  list(): Built[];
}

export function registryOf(built: Built[], defaultSlug: string | null): Telegraphs {
  const bySlug = new Map(built.map((telegraph) => [telegraph.slug, telegraph]));
  return { get: (slug) => bySlug.get(slug), list: () => built, defaultSlug };
}
