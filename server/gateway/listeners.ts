// Who is listening, and how the current order reached them. Pure bookkeeping (the caller
// gives the time): the socket gateway feeds it, the panels and /api/state read its view.
import type { Heard, Hello, Listener, Presence, Receipt, Receipts, Reply } from "../../lib/protocol";

/** People who left are still listed, with when they were last seen, for this long. */
export const REMEMBER_GONE_MS = 12 * 3600_000;
/** At most this many gone people are listed and remembered (the most recent). */
export const GONE_LISTED = 50;
/**
 * At most this many people connected now are listed (by name), the rest counted (`others`): the
 * view goes to every panel, and with 1,000 named panels it would be 90 KB each time.
 */
export const HERE_LISTED = 50;
/** Receipts kept per order: one per panel, bounded so a client inventing panels cannot grow it. */
export const MAX_RECEIPTS = 50_000;

/** A later report replaces an earlier one unless it says less: a bell that rang stays rung. */
export const RANK: Record<Heard, number> = { delivered: 0, blocked: 1, muted: 1, rang: 2 };

interface Connection {
  /** The browser tab's panel id, from its hello; several connections may share one. */
  panel?: string;
  name?: string;
}

/** Connections are known by K: the gateway's are engine.io's connection objects (presence.ts). */
export interface Listeners<K = string> {
  join(socket: K): void;
  hello(socket: K, hello: Hello, at: string): Reply;
  /** A heartbeat or any message: the person was there at `at`. */
  seen(socket: K, at: string): void;
  receipt(socket: K, receipt: Receipt, currentSeq: number | undefined, at: string): Reply;
  leave(socket: K, at: string): void;
  view(at: string, currentSeq: number | undefined): Presence;
  /** How the current order reached the panels: null before the first order. */
  receipts(currentSeq: number | undefined): Receipts | null;
}

/** A person's name as listeners know them: case aside. */
export const key = (name: string) => name.toLowerCase();

export function createListeners<K = string>(): Listeners<K> {
  const connections = new Map<K, Connection>();
  /** Named people, connected or gone, by lower-case name. */
  const people = new Map<string, { name: string; lastSeen: string }>();
  let receipts = { seq: 0, heard: new Map<string, Heard>() };

  const receiptsOf = (currentSeq: number | undefined) =>
    currentSeq === undefined ? null : count(currentSeq, receipts.seq === currentSeq ? receipts.heard : new Map<string, Heard>());
  const touch = (name: string | undefined, at: string) => name && people.set(key(name), { name, lastSeen: at });

  return {
    join(socket) {
      connections.set(socket, {});
    },

    hello(socket, { panel, name }, at) {
      const connection = connections.get(socket);
      if (!connection) return { ok: false, error: "not connected" };
      if (connection.panel && connection.panel !== panel) return { ok: false, error: "a connection speaks for one panel: reconnect to change it" };
      touch(connection.name, at); // an old name is left behind at this time
      connection.panel = panel;
      connection.name = name;
      touch(name, at);
      return { ok: true };
    },

    seen(socket, at) {
      touch(connections.get(socket)?.name, at);
    },

    receipt(socket, { seq, heard }, currentSeq, at) {
      const connection = connections.get(socket);
      if (!connection?.panel) return { ok: false, error: "say hello first: receipts are counted per panel" };
      if (seq !== currentSeq) return { ok: false, error: `order ${seq} is not the current order` };
      if (receipts.seq !== seq) receipts = { seq, heard: new Map() };
      const before = receipts.heard.get(connection.panel);
      if (before === undefined && receipts.heard.size >= MAX_RECEIPTS) return { ok: false, error: "too many panels" };
      if (before === undefined || RANK[heard] >= RANK[before]) receipts.heard.set(connection.panel, heard);
      touch(connection.name, at);
      return { ok: true };
    },

    leave(socket, at) {
      touch(connections.get(socket)?.name, at);
      connections.delete(socket);
    },

    view(at, currentSeq) {
      const here = new Map<string, Listener>();
      let unnamed = 0;
      for (const { name } of connections.values()) {
        if (!name) {
          unnamed++;
          continue;
        }
        const person = people.get(key(name))!;
        const listener = here.get(key(name)) ?? { name: person.name, panels: 0, lastSeen: person.lastSeen };
        listener.panels++;
        here.set(key(name), listener);
      }
      const since = new Date(Date.parse(at) - REMEMBER_GONE_MS).toISOString();
      const gone: Listener[] = [];
      for (const [k, person] of people) {
        if (here.has(k)) continue;
        if (person.lastSeen < since) people.delete(k);
        else gone.push({ ...person, panels: 0 });
      }
      gone.sort((a, b) => b.lastSeen.localeCompare(a.lastSeen));
      for (const forgotten of gone.splice(GONE_LISTED)) people.delete(key(forgotten.name));
      const byName = (a: Listener, b: Listener) => a.name.localeCompare(b.name);
      const listed = [...here.values()].sort(byName);
      const others = listed.splice(HERE_LISTED).length;
      return { panels: connections.size, unnamed, people: [...listed, ...gone], ...(others && { others }), receipts: receiptsOf(currentSeq) };
    },

    receipts: receiptsOf,
  };
}

function count(seq: number, heard: Map<string, Heard>) {
  const counts = { seq, delivered: heard.size, rang: 0, muted: 0, blocked: 0 };
  for (const h of heard.values()) if (h !== "delivered") counts[h]++;
  return counts;
}

/**
 * Who listens on every node (docs/scaling.md), from each node's own view: panels and receipts
 * (for the order `seq`) added up, a person's panels added up under their name, the first
 * HERE_LISTED by name listed (each node lists its own first ones, so no one of them is missing),
 * and those gone everywhere, the latest GONE_LISTED. `others` is each node's own added up: a
 * person past the list on two nodes counts twice there.
 */
export function mergePresence(views: Presence[], seq: number | undefined): Presence {
  const here = new Map<string, Listener>();
  const gone = new Map<string, Listener>();
  let panels = 0;
  let unnamed = 0;
  let others = 0;
  const receipts: Receipts | null = seq === undefined ? null : { seq, delivered: 0, rang: 0, muted: 0, blocked: 0 };
  for (const view of views) {
    panels += view.panels;
    unnamed += view.unnamed;
    others += view.others ?? 0;
    for (const person of view.people) {
      const into = person.panels > 0 ? here : gone;
      const known = into.get(key(person.name));
      const latest = known && known.lastSeen > person.lastSeen ? known : person; // as on one node: the name as last typed
      into.set(key(person.name), { name: latest.name, panels: (known?.panels ?? 0) + person.panels, lastSeen: latest.lastSeen });
    }
    const counted = view.receipts;
    if (receipts && counted && counted.seq === seq)
      for (const heard of ["delivered", "rang", "muted", "blocked"] as const) receipts[heard] += counted[heard];
  }
  const listed = [...here.values()].sort((a, b) => a.name.localeCompare(b.name));
  others += listed.splice(HERE_LISTED).length;
  const left = [...gone].filter(([k]) => !here.has(k)).map(([, person]) => person);
  left.sort((a, b) => b.lastSeen.localeCompare(a.lastSeen));
  return { panels, unnamed, people: [...listed, ...left.slice(0, GONE_LISTED)], ...(others && { others }), receipts };
}
