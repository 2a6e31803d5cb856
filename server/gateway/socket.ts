// socket.io beside Next on the same port: a snapshot on connect (and on request), then each change
// alone; `order` and `answer` from panels.
import { once } from "node:events";
import type { IncomingMessage, Server as HttpServer } from "node:http";
import { setTimeout as delay } from "node:timers/promises";
import { Server } from "socket.io";
import {
  CLIENT_EVENTS,
  type Change,
  type ClientToServer,
  MAX_MESSAGE_BYTES,
  type Presence,
  type ServerToClient,
  SOCKET_PATH,
  type You,
} from "../../lib/protocol";
import { bestRole, may, refusal, roleOn } from "../../lib/roles";
import { type Identify, type Identity, type NameOwner, borrowedName } from "../people/identity";
import { type Giving, given } from "./given";
import { credentials, sessionCookie } from "./cookie";
import { fromRequests } from "./request";
import type { Listeners } from "./listeners";
import type { Logger } from "../log";
import { type ClientInfo, addressGroup } from "./address";
import type { OriginCheck } from "./origin";
import { CONNECTIONS_PER_ADDRESS, connectionsPerAddress, perAddressLimit, perSecondLimit } from "./flood";
import { type Limits, inProcess } from "./limits";
import { type OtherNodes, type PanelConnection, type PanelData, type PanelSocket, attachPresence } from "./presence";
import { letGo, recheckSockets, stillAdmitted } from "./revocations";
import { emitInTurns, emitToAll } from "./broadcast";
import { type EventSpec, listenerOf } from "./event";
import { dropStalledPanels } from "./stalled";
import type { ReceiptSink } from "../history/receipts";
import { type Registry, type Served, unknownTelegraph } from "./served";

/** Orders and answers one panel may send in a second; people click, floods are refused. */
export const EVENTS_PER_SECOND = 10;
/** Snapshots one panel may ask for in a second: a panel asks only when it missed a change. */
export const SNAPSHOTS_PER_SECOND = 2;
/** Orders and answers all the panels at one address (an IPv6 /64) may send in a second. */
export const ADDRESS_EVENTS_PER_SECOND = 20;

/** How long the bye may take to drain to panels before the connections are cut anyway. */
const BYE_DRAIN_MS = 1000;

export interface SocketGateway {
  /** Sends every panel of the telegraph `slug` a change of its snapshot. */
  broadcast(slug: string, change: Change): void;
  /** Sends every panel of the telegraph `slug` its whole snapshot again: its changes start again from another writer's (issue 17). */
  resend(slug: string): void;
  /** Tells every panel since when live updates are paused (Redis away, docs/scaling.md), or that they are not (null). */
  pause(since: string | null): void;
  /** Who is listening to the telegraph right now. */
  presence(slug: string): Presence;
  /** How many answers an order for everyone on the telegraph needs now: people listening who may answer (presence.ts peoplePresent). */
  present(slug: string): number;
  /** Connections admitted now, counted by socket.io itself (for metrics, read at scrape time). */
  connected(): number;
  /** A person's role or sessions changed: their panels learn who they are now. */
  refresh(personId: number): void;
  /** The store changed elsewhere (the `chadburn` command): every panel's identity is looked at again (revocations.ts). */
  recheck(): void;
  /** Tells every panel why the server is going away, then closes every connection. */
  close(reason: string): Promise<void>;
}

/** Who may connect: pages of allowed origins, as a signed-in person, a token's holder or anyone (--anonymous). */
export interface Guards {
  origins: OriginCheck;
  who: Identify;
  /** The client's address, for the audit log (behind a trusted proxy, the proxy's word), and whether it came over TLS. */
  client: ClientInfo;
  /** Whose account a typed name is: someone not signed in as them may not go by it. */
  names: NameOwner;
  /** Connections one address may have open at once (CONNECTIONS_PER_ADDRESS unless told). */
  connectionsPerAddress?: number;
  /** Where orders and answers per address are counted: this process unless told (with several nodes, Redis). */
  limits?: Limits;
}

/** A telegraph's panels (its room), who of them listens, and what its orders and answers need to know. */
interface Room {
  served: Served;
  panels: Set<PanelSocket>;
  presence: ReturnType<typeof attachPresence>;
  giving: Giving;
}

/**
 * socket.io for every telegraph of `telegraphs`: a panel names the one it follows in its handshake
 * (auth `{ telegraph: slug }`, the default when it names none) and is admitted to its room only
 * once the slug is known and the person may see it; each telegraph's changes, presence and
 * receipts go to its room alone. `listeners`: a fresh Listeners for each telegraph.
 */
export function attachSockets(
  http: HttpServer,
  telegraphs: Registry,
  listeners: () => Listeners<PanelConnection>,
  { origins, who, client, names, ...guards }: Guards,
  log: Logger,
  /** Where each telegraph's panels' receipts are kept for its history (server/history/receipts.ts). */
  keepReceipts?: (slug: string) => ReceiptSink,
  /** With several nodes, each telegraph's listeners on the others (server/cluster/presence.ts). */
  otherNodes?: (slug: string) => OtherNodes | undefined,
): SocketGateway {
  let closing = false;
  /** Since when live updates are paused (pause()), told to each panel that connects meanwhile. */
  let paused: string | null = null;
  const groupOf = (req: IncomingMessage) => addressGroup(client.address(req));
  const admission = connectionsPerAddress(guards.connectionsPerAddress ?? CONNECTIONS_PER_ADDRESS, groupOf, log);
  const io = new Server<ClientToServer, ServerToClient, Record<string, never>, PanelData>(http, {
    // While closing, a panel that reconnects at once (over a kept-alive HTTP connection) must not
    // get a new session from the server that is going away. A page from another origin gets none
    // either (no `cors` option: no browser may read socket.io's answers cross-site), nor an address
    // that has as many connections open as it may.
    allowRequest: (req, callback) => {
      const refusal = closing ? "server restarting" : (origins(req) ?? admission.refusal(req));
      callback(refusal ?? null, !refusal);
    },
    path: SOCKET_PATH,
    serveClient: false,
    maxHttpBufferSize: MAX_MESSAGE_BYTES,
    // Leave upgrades on other paths (Next's dev reload) alone instead of destroying them.
    destroyUpgrade: false,
    // A dead connection is noticed within 20 s on both sides (the client derives its own timeout from these).
    pingInterval: 10_000,
    pingTimeout: 10_000,
  });
  dropStalledPanels(io, log);
  const rooms = new Map<string, Room>();
  for (const served of telegraphs.list()) {
    const panels = new Set<PanelSocket>();
    const presence = attachPresence(io, panels, listeners(), served.dispatch, names, log, keepReceipts?.(served.slug), otherNodes?.(served.slug));
    rooms.set(served.slug, { served, panels, presence, giving: { face: served.face, listening: presence.present } });
  }
  /** The room of a panel admitted to it. */
  const roomOf = (socket: PanelSocket) => rooms.get(socket.data.telegraph)!;
  const requests = fromRequests(io.engine, client);
  io.engine.on("connection", admission.opened);
  // Who a connection is, from its handshake: a script's token (socket.io's auth, or an Authorization
  // header where the client can set one), a browser's session cookie. Asked again at every order
  // and answer, so a revoked token or an ended session stops working at once, connected or not.
  // Read from the request once (request.ts), which is then let go.
  const identity = (socket: { data: Pick<PanelData, "credentials"> }) => who(socket.data.credentials);
  io.use((socket, next) => {
    const kept = requests.read(socket);
    if (!kept) return next(new Error("this connection was admitted once already: open a new one"));
    Object.assign(socket.data, kept);
    const found = identity(socket);
    if (!found.ok) return next(new Error(found.error));
    if (!may(bestRole(found.identity), "see")) return next(new Error(`${refusal("see")}: sign in, or connect with an API token`));
    // Which telegraph, only once we know who asks: a stranger learns no slug.
    const asked: unknown = socket.handshake.auth?.telegraph ?? telegraphs.defaultSlug;
    if (asked === null) return next(new Error("this server has no default telegraph: name one in the handshake, auth { telegraph: slug }"));
    const room = typeof asked === "string" ? rooms.get(asked) : undefined;
    if (!room) return next(new Error(unknownTelegraph(asked)));
    // Their role on it (lib/roles.ts roleOn): refused in the usual words, not a word more.
    if (!may(roleOn(found.identity, room.served.slug), "see")) return next(new Error(refusal("see")));
    socket.data.telegraph = room.served.slug;
    socket.data.identity = found.identity;
    requests.forget(socket);
    next();
  });
  // A browser still sending a session cookie that no longer works is told once (`ended`), and the
  // handshake's response clears the cookie, so its next connection is plainly anonymous.
  io.engine.on("initial_headers", (headers: Record<string, string>, req: IncomingMessage) => {
    const { session } = credentials(req.headers, { secure: client.secure(req) });
    const found = session === undefined ? undefined : who({ session });
    if (found?.ok && found.identity.ended) headers["set-cookie"] = sessionCookie(null, client.secure(req));
  });
  /** Who the panel is, with their role on its telegraph: it shows only what they may use there. */
  const tell = (socket: PanelSocket, identity: Identity) => {
    const { name, via, ended } = identity;
    socket.emit("you", { role: roleOn(identity, socket.data.telegraph), name, via, ended } satisfies You);
  };
  const limit = perSecondLimit(EVENTS_PER_SECOND, log);
  const addressLimit = perAddressLimit(guards.limits ?? inProcess, "panel-sends", ADDRESS_EVENTS_PER_SECOND, "orders and answers");

  /** An order or an answer from a panel: made once, for every connection. */
  const sendsOf = (type: "order" | "answer"): EventSpec<typeof type, PanelSocket> => ({
    // Who the panel is now: a revoked token or an ended session stops working at once.
    admit: async (socket) => {
      const tooMany = limit.admit(socket) ?? (await addressLimit(socket.data.group));
      if (tooMany) return tooMany;
      const now = identity(socket);
      if (now.ok) socket.data.identity = now.identity;
      if (!now.ok || !may(roleOn(now.identity, socket.data.telegraph), type)) return now.ok ? refusal(type) : now.error;
    },
    act: async (socket, request) => {
      const borrowed = borrowedName(socket.data.identity, request.by, names);
      if (borrowed) return { ok: false, error: borrowed };
      // Anonymous, a panel answers as its tab (kept across reconnects) at its address, else as this connection.
      const { panel, group } = socket.data;
      const where = { address: socket.data.address, connection: panel ? `${panel} at ${group}` : socket.id };
      const { served, giving } = roomOf(socket);
      const event = given(type, request, socket.data.identity, "panel", where, giving);
      const result = event.ok ? await served.dispatch.handle(event.event) : event;
      return result.ok ? { ok: true } : result;
    },
  });
  const sends = { order: listenerOf("order", sendsOf("order"), log), answer: listenerOf("answer", sendsOf("answer"), log) };
  // A panel that missed a change (a gap in versions, another epoch) gets the whole snapshot again,
  // in line with the changes: those after it follow it.
  const asks = perSecondLimit(SNAPSHOTS_PER_SECOND, log);
  const snapshotAgain = listenerOf<"snapshot", PanelSocket>(
    "snapshot",
    {
      admit: (socket) => asks.admit(socket),
      act: (socket) => {
        socket.emit("state", roomOf(socket).served.dispatch.snapshot());
        return { ok: true };
      },
    },
    log,
  );

  // Anything else gets a clear refusal where it asked for a reply, and counts against the flood limit.
  // Like the listeners above, made once: socket.io calls it with the socket as `this`.
  // Not async: it sees every receipt too, and a promise per message is garbage for nothing.
  function unknown(this: PanelSocket, event: unknown, ...args: unknown[]) {
    if (typeof event === "string" && Object.hasOwn(CLIENT_EVENTS, event)) return;
    const reply = args.at(-1);
    const tooMany = limit.admit(this);
    if (typeof reply === "function")
      reply({
        ok: false,
        error: tooMany ?? `unknown event ${JSON.stringify(String(event).slice(0, 40))}: a panel sends ${Object.keys(CLIENT_EVENTS).join(", ")}`,
      });
  }
  function gone(this: PanelSocket) {
    roomOf(this).panels.delete(this);
    limit.forget(this);
    asks.forget(this);
  }

  io.on("connection", (socket) => {
    const room = roomOf(socket);
    room.panels.add(socket);
    tell(socket, socket.data.identity);
    socket.emit("state", room.served.dispatch.snapshot());
    if (paused) socket.emit("paused", paused);

    socket.on("order", sends.order);
    socket.on("answer", sends.answer);
    socket.on("snapshot", snapshotAgain);
    socket.onAny(unknown);
    socket.on("disconnect", gone);
    // After the snapshot: then who is listening.
    room.presence.joined(socket);
  });

  return {
    broadcast(slug, change) {
      // io.emit("change", change) to the room, with less work per panel (broadcast.ts)
      emitToAll(io, "change", change, rooms.get(slug)!.panels);
    },
    resend(slug) {
      const room = rooms.get(slug)!;
      emitInTurns(io, "state", room.served.dispatch.snapshot(), room.panels);
    },
    pause(since) {
      paused = since;
      io.emit("paused", since);
    },
    presence: (slug) => rooms.get(slug)!.presence.view(),
    present: (slug) => rooms.get(slug)!.presence.present(),
    connected: () => io.of("/").sockets.size,
    refresh(personId) {
      for (const socket of io.of("/").sockets.values()) {
        if (socket.data.identity.personId !== personId) continue;
        const now = stillAdmitted(identity(socket), socket.data.telegraph); // --anonymous none, or none on this telegraph
        if (!now.ok) letGo(socket, now.reason);
        else tell(socket, (socket.data.identity = now.identity));
      }
    },
    recheck: () => recheckSockets(io.of("/").sockets.values(), identity, tell, letGo),
    async close(reason) {
      closing = true;
      for (const room of rooms.values()) room.presence.close();
      // Each panel's connection ends, not its socket.io session: the client sees its transport close
      // and reconnects with its usual backoff (after socket.io's own disconnect it would give up).
      // Closed without discarding, a connection sends what is queued (the bye) first; io.close()
      // would discard it, so this waits until every one is gone (a frozen one only so long). One
      // still in its handshake has nothing queued: io.close() ends it.
      const connections = [...io.of("/").sockets.values()].map((socket) => socket.conn);
      const gone = connections.map((connection) => once(connection, "close"));
      io.emit("bye", { reason });
      for (const connection of connections) connection.close();
      await Promise.race([Promise.all(gone), delay(BYE_DRAIN_MS)]);
      await io.close();
    },
  };
}
