// One telegraph on a node of several (issue 17, docs/scaling.md). The node that holds the
// telegraph's lease is its writer: it alone builds the telegraph (store, core, links), acts on the
// orders and answers of every node's panels, and puts each change in Redis. Every other node
// follows the telegraph there: its panels get the same changes, and what they order or answer is
// asked of the writer. A node becomes the writer when it gains the lease, and stops being it (its
// links closed, nothing more written) when it may have lost it.
import { setTimeout as delay } from "node:timers/promises";
import type { Reply, Snapshot } from "../../lib/protocol";
import type { SocketGateway } from "../gateway/socket";
import type { Logger } from "../log";
import type { Built } from "../telegraphs";
import type { Dispatch, Given, Handled } from "../telegraph/dispatch";
import { serveAsks } from "./asks";
import { type Lease, type LeaseRedis, holdLease } from "./lease";
import { follower, keysOf, publisher, type ReplicaRedis } from "./replica";
import type { AskingRedis, PublishingRedis, ServingRedis } from "./asks";

/** What a node shares between its telegraphs: Redis, and asking the other nodes' writers. */
export interface Cluster {
  /** The node's connection for commands. */
  redis: LeaseRedis & ReplicaRedis & AskingRedis & PublishingRedis & { on(event: "ready", listener: () => void): unknown };
  /** A connection of its own, for reads that block. */
  connect(): Promise<ReplicaRedis & ServingRedis & { destroy(): void }>;
  ask(slug: string, what: unknown): Promise<Reply>;
  leaseMs: number;
}

/** What the telegraph's writer is built with: its changes go to Redis, and it writes only while `mayWrite()`. */
export interface AsWriter {
  replicate(snapshot: Snapshot, change?: Parameters<ReturnType<typeof publisher>["publish"]>[1]): void;
  mayWrite(): boolean;
  /** What comes to it once it may not write: see `elsewhere` below. */
  elsewhere(event: Given): Promise<Handled>;
}

/** What a node logs when it becomes the telegraph's writer, and when it stops being it (operators and the tests watch for them). */
export const becameWriter = (slug: string) => `this node is the writer of the telegraph "${slug}"`;
export const noLongerWriter = (slug: string) => `this node is no longer the writer of the telegraph "${slug}"`;

/** How long a node that stops writing keeps reading its links before it closes them. */
const HAND_OVER_MS = 300;

/** What an event gets on a node that may have lost the writer's lease, when it is not asked of the writer. */
export const NOT_WRITER = "this node is no longer the telegraph's writer: try again";

/**
 * The telegraph `slug` on this node: served like a built one (Built), writer or follower as the
 * lease says. `build` builds the telegraph for this node to write (server/telegraphs.ts);
 * `empty` is what panels are shown before the writer's snapshot is read.
 */
export async function clusteredTelegraph(
  { slug, title, face }: Pick<Built, "slug" | "title" | "face">,
  empty: Snapshot,
  build: (asWriter: AsWriter) => Promise<Built>,
  cluster: Cluster,
  panels: () => SocketGateway,
  log: Logger,
): Promise<Built & { writing(): boolean; known(): boolean }> {
  let writer: Built | undefined;
  /**
   * What the writer last held, once it stepped down, until Redis says more: its follower may be
   * behind it (the last change not read yet when Redis went away), and its panels must not be
   * shown an older order than they had.
   */
  let kept: Snapshot | undefined;
  let serving: { stop(): void } | undefined;
  const blocking = [await cluster.connect(), await cluster.connect()];
  /** Set by open(): the panels' gateway is there from then on (a panel that connects before gets the snapshot then). */
  let opened = false;
  const replica = follower(blocking[0], slug, {
    state: () => writer || ((kept = undefined), opened && panels().resend(slug)),
    change: (change) => writer || ((kept = undefined), opened && panels().broadcast(slug, change)),
    paused: (why) => (why ? log.warn(`following the telegraph "${slug}" in Redis paused: ${why}`) : log.info(`following "${slug}" in Redis again`)),
  });
  /** Held from open(): by then the panels' gateway is there. */
  let lease: Lease | undefined;
  const held = () => lease?.held() ?? false;
  const { publish } = publisher(cluster.redis, slug, () => lease?.token ?? "");
  /** The changes go to Redis one after another; one that could not go makes the next a snapshot. */
  let sent = Promise.resolve();
  let missed = false;
  const asWriter: AsWriter = {
    replicate(snapshot, change) {
      if (!cluster.redis.isReady) return void (missed = true);
      const whole = missed;
      missed = false;
      sent = sent
        .then(() => publish(snapshot, whole ? undefined : change))
        .then(
          // Its lease is not in Redis: Redis came back empty (the next renewal puts it back), or another node writes now.
          (result) => void (result === "fenced" && (missed = true)),
          () => void (missed = true),
        );
    },
    mayWrite: held,
    // An order or answer is asked of whoever writes now: a line read from the serial port (the
    // telegraph sends it once) or a panel's message must not be lost on the way. The status file
    // is read by the writer itself, and a link's news is this node's own.
    elsewhere: (event) =>
      event.type === "answer" || (event.type === "order" && event.link !== "status-file")
        ? (cluster.ask(slug, event) as Promise<Handled>)
        : Promise.resolve({ ok: false, error: NOT_WRITER }),
  };
  cluster.redis.on("ready", () => writer && asWriter.replicate(writer.dispatch.snapshot())); // Redis back, perhaps empty

  /** Role changes one after another: a lease gained and lost at once ends as a follower. */
  let changing = Promise.resolve();
  const become = (write: boolean) => {
    changing = changing.then(async () => {
      if (write === !!writer || write !== held()) return;
      if (write) {
        const built = await build(asWriter);
        writer = built;
        await built.open();
        // The reply carries the snapshot after it, as a local order's does (the HTTP API answers with it).
        serving = serveAsks(blocking[1], cluster.redis, slug, held, (what) => dispatch.handle(what as Given));
        asWriter.replicate(built.dispatch.snapshot());
        log.info(becameWriter(slug));
      } else {
        const was = writer!;
        kept = was.dispatch.snapshot();
        writer = undefined;
        serving?.stop();
        // A line the telegraph sent while this node was stopped waits unread in the serial port,
        // and would go with it if the port closed now: read first, it is asked of the new writer
        // (asWriter.elsewhere), which can open the port only once this node lets it go.
        await delay(HAND_OVER_MS);
        await was.closeLinks();
        was.close();
        log.warn(noLongerWriter(slug));
      }
      panels().resend(slug); // the new writer's changes count again from its own start
    });
  };

  const dispatch: Dispatch = {
    snapshot: () => writer?.dispatch.snapshot() ?? kept ?? replica.snapshot() ?? empty,
    async handle(event: Given): Promise<Handled> {
      if (writer) return writer.dispatch.handle(event); // which acts only while the lease holds (buildTelegraph's asWriter)
      return (await cluster.ask(slug, event)) as Handled; // the writer's Handled, or why it was not taken
    },
    close: () => {},
  };

  return {
    slug,
    title,
    face,
    dispatch,
    get links() {
      return writer?.links ?? [];
    },
    writing: () => !!writer,
    /** Whether this node has the telegraph's state to show: it writes it, or it read the writer's. */
    known: () => !!writer || !!kept || !!replica.snapshot(),
    async open() {
      opened = true;
      lease = holdLease(cluster.redis, keysOf(slug).lease, cluster.leaseMs, {
        gained: () => become(true),
        lost: (why) => (log.warn(`the lease of the telegraph "${slug}" is lost: ${why}`), become(false)),
        // A change Redis did not take goes as the whole snapshot, once the lease is there again.
        renewed: () => missed && writer && asWriter.replicate(writer.dispatch.snapshot()),
      });
    },
    async closeLinks() {
      await lease?.release();
      await changing;
      await writer?.closeLinks();
    },
    close() {
      replica.stop();
      serving?.stop();
      writer?.close();
      for (const connection of blocking) connection.destroy();
    },
  };
}
