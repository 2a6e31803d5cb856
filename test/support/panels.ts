// Panel-like socket.io clients of a server, and what they receive.
import path from "node:path";
import { type ManagerOptions, type Socket, type SocketOptions, io } from "socket.io-client";
import type { ClientToServer, ServerToClient, Snapshot, You } from "../../lib/protocol";
import { tempDir } from "./files";
import { startServer } from "./server";
import type { Tracker } from "./track";
import { within } from "./wait";

export type Client = Socket<ServerToClient, ClientToServer>;

type ClientOptions = Partial<ManagerOptions & SocketOptions>;

/** A panel-like client (over WebSocket, no reconnecting), connecting; `options` add to those. */
function panelClient(url: string, options: ClientOptions): Client {
  return io(url, { transports: ["websocket"], reconnection: false, forceNew: true, ...options });
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

/** The next `state` this client receives. */
export function nextState(client: Client): Promise<Snapshot> {
  return new Promise((resolve) => client.once("state", resolve));
}

/** Resolves with the first `state` that satisfies the test; every state seen is kept in `seen`. */
export function stateWhere(client: Client, test: (s: Snapshot) => boolean, seen: Snapshot[] = []): Promise<Snapshot> {
  return new Promise((resolve) => {
    const listener = (s: Snapshot) => {
      seen.push(s);
      if (!test(s)) return;
      client.off("state", listener);
      resolve(s);
    };
    client.on("state", listener);
  });
}

/** Records every state a client receives from now on. */
export function record(client: Client): Snapshot[] {
  const states: Snapshot[] = [];
  client.on("state", (s) => states.push(s));
  return states;
}

/**
 * The states a client receives in the next `ms` milliseconds. Only for proving that nothing
 * arrives; to wait for something, use stateWhere.
 */
export async function statesDuring(client: Client, ms: number): Promise<Snapshot[]> {
  const states: Snapshot[] = [];
  const listener = (s: Snapshot) => states.push(s);
  client.on("state", listener);
  await new Promise((r) => setTimeout(r, ms));
  client.off("state", listener);
  return states;
}

/** The current order's seq, 0 before the first. */
export const seqOf = (s: Snapshot): number => s.order?.seq ?? 0;

/** Resolves when the client is disconnected, with socket.io's reason. */
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
