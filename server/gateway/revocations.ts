// Changes another process makes to the store (the `chadburn` command revoking a token, removing
// someone, changing a role) reach open panels within a second, as an admin's change through the
// API does at once: SQLite's data_version changes whenever another connection commits, so it is
// read each second, and when it moved every open socket's identity is looked at again. Once an
// hour they are looked at anyway: an open panel keeps its session in use (sessions.ts IDLE_MS),
// and a session that expired meanwhile is noticed.
import type { Identify, Identity } from "../people/identity";
import type { Logger } from "../log";
import type { Store } from "../store/store";
import { may, refusal, roleOn } from "../../lib/roles";

/** How often the store is asked whether another process changed it. */
export const CHECK_MS = 1000;
/** How often every open socket is looked at again regardless. */
export const SWEEP_MS = 3600_000;

/** Calls `recheck` within CHECK_MS of another process committing to the store, and every SWEEP_MS. */
export function watchOtherWriters(store: Store, recheck: () => void, log: Logger): { stop(): void } {
  const version = () => store.pragma("data_version", { simple: true }) as number;
  let seen = version();
  const run = () => {
    try {
      recheck();
    } catch (error) {
      log.error(`looking at open connections again: ${(error as Error).message}`);
    }
  };
  const timers = [
    setInterval(() => {
      const now = version();
      if (now === seen) return;
      seen = now;
      run();
    }, CHECK_MS),
    setInterval(run, SWEEP_MS),
  ];
  for (const timer of timers) timer.unref();
  return { stop: () => timers.forEach(clearInterval) };
}

interface OpenSocket {
  /** Who it is, and the telegraph it follows (its slug). */
  data: { identity: Identity; telegraph: string };
}

/** The same to the panel: who, and their role on its telegraph. */
const same = (a: Identity, b: Identity, slug: string) =>
  roleOn(a, slug) === roleOn(b, slug) && a.name === b.name && a.via === b.via && a.ended === b.ended && a.personId === b.personId;

/** Lets a panel go for good, saying why first: the disconnect follows its message, and socket.io does not reconnect (docs/protocol.md). */
export function letGo(
  socket: { emit(event: "refused", refusal: { reason: string }): unknown; disconnect(close: true): unknown },
  reason: string,
): void {
  socket.emit("refused", { reason });
  socket.disconnect(true);
}

/** Whether a panel of the telegraph `slug` may stay open, as its credentials are now: who it is, or why not. */
export function stillAdmitted(now: ReturnType<Identify>, slug: string): { ok: true; identity: Identity } | { ok: false; reason: string } {
  if (!now.ok) return { ok: false, reason: now.error };
  if (may(roleOn(now.identity, slug), "see")) return now;
  // Under --anonymous none, a browser whose session ended is nobody now.
  return { ok: false, reason: now.identity.ended ? "your session ended: sign in again" : refusal("see") };
}

/**
 * Each socket's identity from its credentials now: one that no longer works (a revoked token) or
 * may no longer see (--anonymous none, none on its telegraph) is let go, told why (`refused`); one that changed (an ended session, a new
 * role) is told, as socket.ts's refresh does after an admin's change; the rest hear nothing.
 */
export function recheckSockets<S extends OpenSocket>(
  sockets: Iterable<S>,
  identity: (socket: S) => ReturnType<Identify>,
  tell: (socket: S, now: Identity) => void,
  /** Lets the socket go, saying why. */
  refuse: (socket: S, reason: string) => void,
): void {
  for (const socket of [...sockets]) {
    const now = stillAdmitted(identity(socket), socket.data.telegraph);
    if (!now.ok) refuse(socket, now.reason);
    else if (!same(socket.data.identity, now.identity, socket.data.telegraph)) tell(socket, (socket.data.identity = now.identity));
    else socket.data.identity = now.identity; // the same here, maybe not on another telegraph: kept as the store has it
  }
}
