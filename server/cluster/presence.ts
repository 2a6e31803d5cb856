// Who listens to a telegraph on every node (issue 17): each node tells the others its own
// listeners (gateway/presence.ts Share) on the telegraph's channel in Redis when they change, and
// again every few seconds for a node that just started; a node silent for longer than that (gone,
// or cut off from Redis) is left out. What a node is told is added to its own view and to its
// count for an order for everyone.
import { randomBytes } from "node:crypto";
import type { Listener } from "../../lib/protocol";
import { GONE_LISTED, REMEMBER_GONE_MS, key } from "../gateway/listeners";
import type { OtherNodes, Share } from "../gateway/presence";
import type { ListeningRedis } from "./asks";

/** How often a node tells its listeners again, changed or not. */
export const RETELL_MS = 5000;
/** A node not heard of for this long is left out. */
const SILENT_MS = 3 * RETELL_MS;

const channelOf = (slug: string) => `chadburn:${slug}:listeners`;

export interface TellingRedis {
  publish(channel: string, message: string): Promise<unknown>;
}

/** The other nodes' listeners of the telegraph `slug`; `stop()` when the node goes away. */
export async function listenersAcrossNodes(
  tell: TellingRedis,
  listen: ListeningRedis,
  slug: string,
): Promise<OtherNodes & { stop(): Promise<void> }> {
  const node = randomBytes(8).toString("hex");
  const heard = new Map<string, { said: string; share: Share; at: number }>();
  /** The people of nodes gone, by key: still listed as gone, as a node lists those who left it. */
  const remembered = new Map<string, Listener>();
  /** Keeps the latest GONE_LISTED of the last REMEMBER_GONE_MS, as a node's own listeners do. */
  const trim = () => {
    const latest = [...remembered.values()].sort((x, y) => y.lastSeen.localeCompare(x.lastSeen));
    const since = new Date(Date.now() - REMEMBER_GONE_MS).toISOString();
    for (const person of latest.filter((p, i) => i >= GONE_LISTED || p.lastSeen < since)) remembered.delete(key(person.name));
  };
  const forget = (from: string) => {
    const gone = heard.get(from);
    heard.delete(from);
    const at = new Date().toISOString();
    for (const person of gone?.share.view.people ?? [])
      remembered.set(key(person.name), { ...person, panels: 0, ...(person.panels > 0 && { lastSeen: at }) });
    trim();
  };
  let changed = () => {};
  let told = "";
  const say = () => void tell.publish(channelOf(slug), told).catch(() => {}); // Redis away: said again once back
  await listen.subscribe(channelOf(slug), (message) => {
    const { from, share } = JSON.parse(message) as { from: string; share: Share | null };
    if (from === node) return;
    const known = heard.get(from);
    if (share) heard.set(from, { said: message, share, at: Date.now() });
    else forget(from); // it stopped
    if (known?.said !== message) changed();
  });
  /** Leaves out the nodes silent for too long: whether there were any. */
  const prune = () => {
    const since = Date.now() - SILENT_MS;
    const before = heard.size;
    for (const [from, { at }] of heard) if (at < since) forget(from);
    return heard.size < before;
  };
  const again = setInterval(() => {
    if (told) say();
    if (prune()) changed();
  }, RETELL_MS);
  return {
    tell(mine) {
      const message = JSON.stringify({ from: node, share: mine });
      if (message === told) return;
      told = message;
      say();
    },
    heard() {
      prune();
      trim();
      const shares = [...heard.values()].map(({ share }) => share);
      if (remembered.size === 0) return shares;
      return [...shares, { view: { panels: 0, unnamed: 0, people: [...remembered.values()], receipts: null }, present: [] }];
    },
    onChange(listener) {
      changed = listener;
    },
    /** Stops telling, and tells the others this node has no one now (it is going away). */
    async stop() {
      clearInterval(again);
      await tell.publish(channelOf(slug), JSON.stringify({ from: node, share: null })).catch(() => {});
    },
  };
}
