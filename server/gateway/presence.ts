// Presence over socket.io: panels say hello (which tab, whose) and report how each order reached
// them; everyone gets the `presence` view, at most once a second however busy the arrivals (less
// often with over 1,000 panels).
import type { Server, Socket } from "socket.io";
import type { ClientToServer, Reply, ServerToClient } from "../../lib/protocol";
import { may } from "../../lib/roles";
import type { Dispatch } from "../telegraph/dispatch";
import type { Listeners } from "./listeners";
import type { Logger } from "../log";
import { type Identity, type NameOwner, borrowedName, nameKey } from "../people/identity";
import { emitInTurns } from "./broadcast";
import { listenerOf } from "./event";
import { perSecondLimit } from "./flood";

/** Hellos and receipts one panel may send in a second: a panel sends two or three per order. */
export const PRESENCE_EVENTS_PER_SECOND = 20;
/** Presence goes out at most this often: a hundred arrivals make one message, not a hundred. */
export const PRESENCE_EVERY_MS = 1000;
/**
 * With many panels, less often still (performance): each presence message goes to every panel, so
 * it costs as much as an order's broadcast, and goes on for as long as panels come and go. At
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

/** What the server keeps on a connection: who it is, its address's group (flood.ts), and the panel and name its hello gave. */
export interface PanelData {
  identity: Identity;
  group: string;
  panel?: string;
  name?: string;
}

/** A panel's connection, with what the server keeps on it. */
export type PanelSocket = Socket<ClientToServer, ServerToClient, Record<string, never>, PanelData>;

/**
 * The people listening who may answer, each once, as an order for everyone counts them: a person or
 * token however many panels they have open, an anonymous name once per address, an unnamed panel
 * (a browser tab) once. Connections that never said hello (scripts, idle sockets) are no one.
 */
export function peoplePresent(sockets: Iterable<{ data: Partial<PanelData> }>): number {
  const people = new Set<string>();
  for (const { data } of sockets) {
    const { identity, group, panel, name } = data;
    if (!identity || !panel || !may(identity.role, "answer")) continue;
    people.add(
      identity.via !== "anonymous" ? `${identity.via} ${identity.name}` : name ? `name ${nameKey(name)} at ${group}` : `panel ${panel} at ${group}`,
    );
  }
  return people.size;
}

export function attachPresence(
  io: Server<ClientToServer, ServerToClient, Record<string, never>, PanelData>,
  listeners: Listeners,
  telegraph: Dispatch,
  names: NameOwner,
  log: Logger,
) {
  const limit = perSecondLimit(PRESENCE_EVENTS_PER_SECOND, log);
  const currentSeq = () => telegraph.snapshot().order?.seq;
  let timer: NodeJS.Timeout | undefined;
  /** Stops the presence still being written (a newer one replaces it: they are a second apart, a run takes milliseconds). */
  let stop = () => {};
  // The last view sent, given to each arrival as is: a rush of 10,000 arrivals must not count
  // 10,000 listeners 10,000 times. It is at most a second behind; the next broadcast follows.
  let sent = { at: 0, presence: listeners.view(now(), undefined) };

  function changed(): void {
    const every = Math.max(PRESENCE_EVERY_MS, (io.engine.clientsCount / PRESENCE_SENDS_PER_SECOND) * 1000);
    timer ??= setTimeout(
      () => {
        timer = undefined;
        sent = { at: Date.now(), presence: listeners.view(now(), currentSeq()) };
        stop();
        // io.emit, with less work per panel, and in turns: orders go first (broadcast.ts)
        stop = emitInTurns(io, "presence", sent.presence);
      },
      Math.max(0, sent.at + every - Date.now()),
    );
  }

  /** A hello or receipt that took effect changes what everyone sees. */
  const changes = (result: Reply) => {
    if (result.ok) changed();
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
        const known = listeners.hello(socket.id, { ...said, name }, now());
        if (known.ok) Object.assign(socket.data, { panel: said.panel, name });
        return changes(known);
      },
    },
    log,
  );
  const receipt = listenerOf<"receipt", PanelSocket>(
    "receipt",
    {
      admit,
      act: (socket, heard) => changes(listeners.receipt(socket.id, heard, currentSeq(), now())),
    },
    log,
  );

  io.on("connection", (socket) => {
    listeners.join(socket.id);
    socket.emit("presence", sent.presence);
    changed();
    socket.conn.on("heartbeat", () => listeners.seen(socket.id, now()));

    socket.on("hello", hello);
    socket.on("receipt", receipt);
    socket.on("disconnect", () => {
      listeners.leave(socket.id, now());
      limit.forget(socket);
      changed();
    });
  });

  return {
    changed,
    /** The view right now, for /api/state. */
    view: () => listeners.view(now(), currentSeq()),
    /** How many answers an order for everyone needs now. */
    present: () => peoplePresent(io.of("/").sockets.values()),
    close() {
      clearTimeout(timer);
      stop();
    },
  };
}
