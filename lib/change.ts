// How a snapshot takes a change: the rules of what panels see, shared by the core that makes the
// snapshot (server/telegraph/telegraph.ts) and every client that follows changes (the panel, the
// `chadburn` command, tests): a followed snapshot is the server's, field for field.
import { type Answer, type Change, HISTORY_LENGTH, type LinkHealth, type Order, type PastOrder, type Reply, type Snapshot } from "./protocol";

/** The history after a new order: it comes last, the oldest falls off. */
export function withOrder(history: PastOrder[], order: Order): PastOrder[] {
  return [...history, { order, answer: null }].slice(-HISTORY_LENGTH);
}

/** The history after an answer that acknowledged its order: the first such answer stays beside it. */
export function withAcknowledgement(history: PastOrder[], answer: Answer): PastOrder[] {
  return history.map((past) => (!past.answer && past.order.seq === answer.seq ? { ...past, answer } : past));
}

/** The history after the order `seq` expired. */
export function withExpiry(history: PastOrder[], seq: number, at: string): PastOrder[] {
  return history.map((past) => (past.order.seq === seq ? { ...past, expired: at } : past));
}

/** The links after one link's news: it replaces what was known of it; links in order of name. */
export function withLink(links: LinkHealth[], health: LinkHealth): LinkHealth[] {
  return [...links.filter((l) => l.link !== health.link), health].sort((a, b) => a.link.localeCompare(b.link));
}

/** The snapshot after a change (the next one: follow() checks that). */
export function applyChange(snapshot: Snapshot, change: Change): Snapshot {
  const next = { ...snapshot, version: change.version };
  if ("order" in change)
    return { ...next, order: change.order, answered: 0, acknowledged: false, history: withOrder(snapshot.history, change.order) };
  if ("answer" in change) {
    const { answer, answered, acknowledged } = change;
    return { ...next, answer, answered, acknowledged, history: acknowledged ? withAcknowledgement(snapshot.history, answer) : snapshot.history };
  }
  if ("expired" in change) {
    const { seq, at } = change.expired;
    return { ...next, order: null, answered: 0, acknowledged: false, history: withExpiry(snapshot.history, seq, at) };
  }
  if ("telegraph" in change) return { ...next, telegraph: change.telegraph };
  return { ...next, links: withLink(snapshot.links, change.link) };
}

/**
 * What a client holding `held` makes of a change: the next snapshot; nothing (a change it has,
 * which a snapshot asked for meanwhile can hold); or, on a gap or a change of another store
 * (epoch), a reason to ask the server for the snapshot (the `snapshot` event) instead of guessing.
 */
export function follow(held: Snapshot | null, change: Change): { snapshot: Snapshot } | { ask: string } | null {
  if (!held) return { ask: "no snapshot yet" };
  if (change.epoch !== held.epoch) return { ask: `a change of another store (epoch ${change.epoch})` };
  if (change.version <= held.version) return null;
  if (change.version > held.version + 1) return { ask: `missed changes ${held.version + 1} to ${change.version - 1}` };
  return { snapshot: applyChange(held, change) };
}

/**
 * Follows the server's snapshot over one connection: `state` replaces what is held, each `change`
 * is applied onto it; on a gap or another epoch it asks once (`ask` emits the `snapshot` event),
 * and the changes until the snapshot comes are in it. `show` gets every new snapshot.
 */
export function follower(ask: (reply: (reply: Reply) => void) => void, show: (snapshot: Snapshot) => void) {
  let held: Snapshot | null = null;
  let asking = false;
  return {
    state(snapshot: Snapshot): void {
      held = snapshot;
      asking = false;
      show(snapshot);
    },
    change(change: Change): void {
      if (asking) return;
      const next = follow(held, change);
      if (!next) return;
      if ("ask" in next) {
        asking = true;
        ask((reply) => (asking &&= reply.ok)); // refused (too many asks): the next change asks again
        return;
      }
      held = next.snapshot;
      show(held);
    },
  };
}

/** What following needs of a socket.io client (socket.io-client's Socket<ServerToClient, ClientToServer>). */
export interface FollowingSocket {
  on(event: "state", listener: (snapshot: Snapshot) => void): unknown;
  on(event: "change", listener: (change: Change) => void): unknown;
  emit(event: "snapshot", payload: Record<string, never>, reply: (reply: Reply) => void): unknown;
}

/** Follows the server's snapshot over this socket, from its next `state` on: `show` gets each one. */
export function followSocket(socket: FollowingSocket, show: (snapshot: Snapshot) => void): void {
  const snapshots = follower((reply) => socket.emit("snapshot", {}, reply), show);
  socket.on("state", snapshots.state);
  socket.on("change", snapshots.change);
}
