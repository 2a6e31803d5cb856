// Panel-like socket.io clients of a server, and the snapshots they hold: the one sent on connect,
// then each change applied as the panel applies it (lib/change.ts follower).
import { EventEmitter } from "node:events";
import path from "node:path";
import { type ManagerOptions, type Socket, type SocketOptions, io } from "socket.io-client";
import { followSocket } from "../../lib/change";
import type { ClientToServer, Presence, ServerToClient, Snapshot, You } from "../../lib/protocol";
import { tempDir } from "./files";
import { startServer } from "./server";
import type { Tracker } from "./track";
import { within } from "./wait";

export type Client = Socket<ServerToClient, ClientToServer>;

type ClientOptions = Partial<ManagerOptions & SocketOptions>;

/** Each client's snapshots as it follows them: "snapshot" with every new one. */
const followed = new WeakMap<Client, EventEmitter<{ snapshot: [Snapshot] }>>();

/** Where a client's snapshots are told: a client made here, or one given to follow(). */
function snapshotsOf(client: Client): EventEmitter<{ snapshot: [Snapshot] }> {
  const known = followed.get(client);
  if (known) return known;
  const snapshots = new EventEmitter<{ snapshot: [Snapshot] }>().setMaxListeners(0);
  followSocket(client, (snapshot) => snapshots.emit("snapshot", snapshot));
  followed.set(client, snapshots);
  return snapshots;
}

/** Each client's latest presence, from its first, with the receipts received since (as the panel shows them). */
const presences = new WeakMap<Client, Presence>();

/** Who listens as this client holds it, if it has been told: the latest presence, and any `receipts` since. */
export const lastPresence = (client: Client): Presence | undefined => presences.get(client);

/** A panel-like client (over WebSocket, no reconnecting), connecting; `options` add to those. */
function panelClient(url: string, options: ClientOptions): Client {
  const client: Client = io(url, { transports: ["websocket"], reconnection: false, forceNew: true, ...options });
  snapshotsOf(client);
  client.on("presence", (presence) => presences.set(client, presence));
  // components/useTelegraph.ts: the receipts alone between presence messages.
  client.on("receipts", (receipts) => {
    const presence = presences.get(client);
    if (presence) presences.set(client, { ...presence, receipts });
  });
  return client;
}

/** Connects a panel-like client and resolves with it, and who it is and the snapshot it got on connect. */
export async function connect(url: string, options: ClientOptions = {}): Promise<{ client: Client; first: Snapshot; you: You }> {
  const client = panelClient(url, options);
  const you = new Promise<You>((resolve) => client.once("you", resolve));
  const first = await nextState(client);
  return { client, first, you: await you };
}

/** Tries to connect a panel-like client that the server should refuse; resolves with socket.io's error. */
export function refusedConnection(url: string, options: ClientOptions = {}): Promise<Error> {
  const client = panelClient(url, options);
  return new Promise<Error>((resolve, reject) => {
    client.once("connect_error", resolve);
    client.once("connect", () => reject(new Error(`${url} let the client connect`)));
  }).finally(() => client.close());
}

/** The next snapshot this client holds (a `state`, or a `change` applied). */
export function nextState(client: Client): Promise<Snapshot> {
  return new Promise((resolve) => snapshotsOf(client).once("snapshot", resolve));
}

/** Resolves with the first snapshot that satisfies the test; every one seen is kept in `seen`. */
export function stateWhere(client: Client, test: (s: Snapshot) => boolean, seen: Snapshot[] = []): Promise<Snapshot> {
  return new Promise((resolve) => {
    const listener = (s: Snapshot) => {
      seen.push(s);
      if (!test(s)) return;
      snapshotsOf(client).off("snapshot", listener);
      resolve(s);
    };
    snapshotsOf(client).on("snapshot", listener);
  });
}

/** Calls `listener` with every snapshot the client holds from now on. */
export function onSnapshot(client: Client, listener: (snapshot: Snapshot) => void): void {
  snapshotsOf(client).on("snapshot", listener);
}

/** Records every snapshot a client holds from now on. */
export function record(client: Client): Snapshot[] {
  const states: Snapshot[] = [];
  snapshotsOf(client).on("snapshot", (s) => states.push(s));
  return states;
}

/**
 * The states a client receives in the next `ms` milliseconds. Only for proving that nothing
 * arrives; to wait for something, use stateWhere.
 */
export async function statesDuring(client: Client, ms: number): Promise<Snapshot[]> {
  const states: Snapshot[] = [];
  const listener = (s: Snapshot) => states.push(s);
  snapshotsOf(client).on("snapshot", listener);
  await new Promise((r) => setTimeout(r, ms));
  snapshotsOf(client).off("snapshot", listener);
  return states;
}

/** The current order's seq, 0 before the first. */
export const seqOf = (s: Snapshot): number => s.order?.seq ?? 0;

/** Resolves when the client is disconnected, with socket.io's reason. */
/** Resolves once the server lets the client go: socket.io's reason, and what the server said of it first (`refused`), if it did. */
export function letGo(client: Client): Promise<{ reason: string; refused?: string }> {
  let refused: string | undefined;
  client.once("refused", (refusal) => (refused = refusal.reason));
  return disconnected(client).then((reason) => ({ reason, refused }));
}

export function disconnected(client: Client): Promise<string> {
  return new Promise((resolve) => {
    if (client.connected) client.once("disconnect", (reason) => resolve(reason));
    else resolve("not connected");
  });
}

/**
 * A server whose folder sits inside a temp folder of its own (so the folder itself can be deleted),
 * made in `parent` (see tempDir), with `n` panels; all of it tracked.
 */
export async function serverWithPanels(track: Tracker, n = 1, parent?: string) {
  const base = track.dir(await tempDir(parent));
  const server = track.server(await startServer({ dir: path.join(base, "data") }));
  const panels = [];
  for (let i = 0; i < n; i++) panels.push(track.client(await connect(server.url)));
  return { server, clients: panels.map((p) => p.client), first: panels[0].first };
}

/** Writes, and resolves with the very next state the client receives after it. */
export async function expectNext(client: Client, write: () => unknown): Promise<Snapshot> {
  const [next] = await nextOnEach([client], write);
  return next;
}

/** Writes, and resolves with the very next state each client receives after it. */
export async function nextOnEach(clients: Client[], write: () => unknown): Promise<Snapshot[]> {
  const next = Promise.all(clients.map(nextState));
  await write();
  return within(next, `the state after ${write.toString().replace(/\s+/g, " ")}`, 3000);
}

/** What a snapshot's order holds after the telegraph wrote `position`, the `seq`th order. */
export const order = (position: number, seq: number) => ({ position, seq, source: "telegraph" });
