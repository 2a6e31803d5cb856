// Presence over socket.io: panels say hello (which tab, whose) and report how each order reached
// them; everyone gets the `presence` view when who listens changes, and `receipts` alone when only
// they did (a few dozen bytes, not the list of people, after every order), each at most once a
// second however busy the arrivals (less often with over 1,000 panels).
import { createHash } from "node:crypto";
import type { Server, Socket } from "socket.io";
import type { ClientToServer, Presence, Reply, ServerToClient } from "../../lib/protocol";
import { may, roleOn } from "../../lib/roles";
import type { Dispatch } from "../telegraph/dispatch";
import { type Listeners, mergePresence } from "./listeners";
import type { Logger } from "../log";
import { type Identity, type NameOwner, borrowedName, nameKey } from "../people/identity";
import { emitInTurns } from "./broadcast";
import { listenerOf } from "./event";
import { perSecondLimit } from "./flood";
import type { FromRequest } from "./request";
import type { ReceiptSink } from "../history/receipts";

/** Hellos and receipts one panel may send in a second: a panel sends two or three per order. */
export const PRESENCE_EVENTS_PER_SECOND = 20;
/** Presence goes out at most this often: a hundred arrivals make one message, not a hundred. */
export const PRESENCE_EVERY_MS = 1000;
/**
 * With many panels, less often still (performance): each presence message goes to every panel of
 * the telegraph, so it costs as much as an order's broadcast, and goes on for as long as panels come and go. At
 * most this many presence sends a second: every second up to 1,000 panels, every 5 s at 5,000,
 * every 10 s at 10,000.
 */
export const PRESENCE_SENDS_PER_SECOND = 1000;

/**
 * The time for the listeners' bookkeeping, made once per millisecond: receipts come a thousand at a
 * time, and a Date with its ISO string for each (Next wraps Date in this process) was a tenth of a
 * receipt's cost.
 */
let clock = { ms: 0, iso: "" };
function now(): string {
  const ms = Date.now();
  if (ms !== clock.ms) clock = { ms, iso: new Date(ms).toISOString() };
  return clock.iso;
}

/**
 * What the server keeps on a connection: who it is, what it kept of its request (request.ts), the
 * telegraph it follows (its slug), and the panel and name its hello gave.
 */
export interface PanelData extends FromRequest {
  identity: Identity;
  telegraph: string;
  panel?: string;
  name?: string;
}

/** A panel's connection, with what the server keeps on it. */
export type PanelSocket = Socket<ClientToServer, ServerToClient, Record<string, never>, PanelData>;
/** Its Engine.IO connection (one per panel socket: request.ts), by which the listeners know it. */
export type PanelConnection = PanelSocket["conn"];

/**
 * The people listening who may answer, each once, as an order for everyone counts them: a person or
 * token however many panels they have open, an anonymous name once per address, an unnamed panel
 * (a browser tab) once. Connections that never said hello (scripts, idle sockets) are no one.
 * Each person's key, so that the nodes can count them together.
 */
export function peoplePresent(sockets: Iterable<{ data: Partial<PanelData> }>): Set<string> {
  const people = new Set<string>();
  for (const { data } of sockets) {
    const { identity, telegraph, group, panel, name } = data;
    if (!identity || telegraph === undefined || !panel || !may(roleOn(identity, telegraph), "answer")) continue;
    people.add(
      identity.via !== "anonymous" ? `${identity.via} ${identity.name}` : name ? `name ${nameKey(name)} at ${group}` : `panel ${panel} at ${group}`,
    );
  }
  return people;
}

/** What a node tells the other nodes of one telegraph's listeners (several nodes: server/cluster/presence.ts). */
export interface Share {
  /** Its own view. */
  view: Presence;
  /** Its peoplePresent, each hashed: the nodes count a person with panels on several once. */
  present: string[];
}

/** The other nodes' listeners of the telegraph, with several nodes. */
export interface OtherNodes {
  /** Tells the others what this node has now; they hear of it only when it changed. */
  tell(mine: Share): void;
  /** What each other node said last. */
  heard(): Share[];
  /** Calls `changed` whenever another node says something new. */
  onChange(changed: () => void): void;
}

const hashed = (keys: Set<string>) => [...keys].map((k) => createHash("sha256").update(k).digest("base64url").slice(0, 12));

/**
 * One telegraph's presence: its panels (`room`, kept by the socket gateway) are its listeners, and
 * only they are sent its presence and receipts. `joined` takes each of its panels as it connects.
 */
export function attachPresence(
  io: Server<ClientToServer, ServerToClient, Record<string, never>, PanelData>,
  room: ReadonlySet<PanelSocket>,
  listeners: Listeners<PanelConnection>,
  telegraph: Dispatch,
  names: NameOwner,
  log: Logger,
  keepReceipt: ReceiptSink = () => {},
  others?: OtherNodes,
) {
  const limit = perSecondLimit(PRESENCE_EVENTS_PER_SECOND, log);
  const currentSeq = () => telegraph.snapshot().order?.seq;
  const every = () => Math.max(PRESENCE_EVERY_MS, (room.size / PRESENCE_SENDS_PER_SECOND) * 1000);
  // The last view sent, given to each arrival as is: a rush of 10,000 arrivals must not count
  // 10,000 listeners 10,000 times. It is at most a second behind; the next broadcast follows.
  let sent = listeners.view(now(), undefined);
  /** Whether who listens here changed since the other nodes were told (several nodes). */
  let news = false;
  /**
   * This node's view, with several nodes told to the others when it has news (not when only
   * theirs changed: two nodes would tell each other for ever), and theirs added to it.
   */
  const everyone = (tell = false): Presence => {
    const mine = listeners.view(now(), currentSeq());
    if (!others) return mine;
    if (tell) others.tell({ view: mine, present: hashed(peoplePresent(room)) });
    return mergePresence([mine, ...others.heard().map((theirs) => theirs.view)], currentSeq());
  };
  // io.emit, with less work per panel, and in turns: orders go first (broadcast.ts)
  const people = paced(every, () => {
    sent = everyone(news);
    news = false;
    receipts.cancel(); // the view holds them
    return emitInTurns(io, "presence", sent, room);
  });
  const receipts = paced(every, () => emitInTurns(io, "receipts", others ? everyone(true).receipts : listeners.receipts(currentSeq()), room));
  others?.onChange(() => people.soon());
  const changed = () => ((news = true), people.soon());

  /** A hello that took effect changes who is listening; a receipt, the receipts. */
  const changes = (result: Reply, what: () => void) => {
    if (result.ok) what();
    return result;
  };
  const admit = (socket: PanelSocket) => limit.admit(socket);
  // Made once, for every connection. Signed in (or with a token), a panel is listed under that
  // name, whatever it says; anyone else may not take the name of someone who signs in, or of a token.
  const hello = listenerOf<"hello", PanelSocket>(
    "hello",
    {
      admit,
      act: (socket, said) => {
        const { identity } = socket.data;
        const borrowed = borrowedName(identity, said.name, names);
        if (borrowed) return { ok: false, error: borrowed };
        const name = identity.name ?? said.name;
        const known = listeners.hello(socket.conn, { ...said, name }, now());
        if (known.ok) Object.assign(socket.data, { panel: said.panel, name });
        return changes(known, changed);
      },
    },
    log,
  );
  const receipt = listenerOf<"receipt", PanelSocket>(
    "receipt",
    {
      admit,
      act: (socket, heard) => {
        const at = now();
        const counted = listeners.receipt(socket.conn, heard, currentSeq(), at);
        // Kept for the history (batched: server/history/receipts.ts); a panel's hello came first.
        if (counted.ok) keepReceipt({ ...heard, panel: socket.data.panel!, ...(socket.data.name && { name: socket.data.name }), at });
        return changes(counted, receipts.soon);
      },
    },
    log,
  );

  // Like the listeners above, made once (socket.io and engine.io call them with the socket or the
  // connection as `this`): a connection costs no closures of its own (memory: 10,000 panels).
  function heartbeat(this: PanelConnection) {
    listeners.seen(this, now());
  }
  function left(this: PanelSocket) {
    listeners.leave(this.conn, now());
    limit.forget(this);
    changed();
  }

  return {
    /** A panel of this telegraph, connected: after its snapshot, it gets who is listening. */
    joined(socket: PanelSocket) {
      listeners.join(socket.conn);
      socket.emit("presence", sent);
      changed();
      socket.conn.on("heartbeat", heartbeat);

      socket.on("hello", hello);
      socket.on("receipt", receipt);
      socket.on("disconnect", left);
    },
    /** The view right now, for /api/state. */
    view: () => everyone(),
    /** How many answers an order for everyone needs now: people listening on every node. */
    present: () =>
      (others ? new Set([...hashed(peoplePresent(room)), ...others.heard().flatMap((theirs) => theirs.present)]) : peoplePresent(room)).size,
    close: () => (people.cancel(), receipts.cancel()),
  };
}

/**
 * Calls `send` soon: at once if the last send is `every()` ms ago, else once when it is, however
 * often asked meanwhile. `send` may return how to stop what it started (a broadcast in turns):
 * a newer send, or cancel, stops it.
 */
function paced(every: () => number, send: () => () => void) {
  let timer: NodeJS.Timeout | undefined;
  let at = 0;
  let stop = () => {};
  return {
    soon(): void {
      timer ??= setTimeout(
        () => {
          timer = undefined;
          at = Date.now();
          stop();
          stop = send();
        },
        Math.max(0, at + every() - Date.now()),
      );
    },
    cancel(): void {
      clearTimeout(timer);
      timer = undefined;
      stop();
    },
  };
}
