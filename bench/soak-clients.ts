// One of the soak's client processes (bench/soak.ts forks a few): keeps its share of socket.io
// clients alive, each living a random time before a fresh one replaces it, and checks every
// connection's `state` messages. Events other than `state` are not listened to.
import { type Socket, io } from "socket.io-client";
import { followSocket } from "../lib/change";
import type { ClientToServer, ServerToClient, Snapshot } from "../lib/protocol";

/** `lifeMs`: how long one client stays connected, at least and at most, before a fresh one takes its place. */
export type Start = { type: "start"; url: string; clients: number; lifeMs: [number, number] };
/** Stop replacing clients; report once every connected client has this seq, or after `ms`. */
export type Settle = { type: "settle"; seq: number; ms: number };
export type Counts = typeof counts;
/** Each connected client's last state at the end (null: it never got one). */
export type Report = { type: "report"; counts: Counts; finals: ({ seq: number; position: number } | null)[] };
/** As many connections made as clients asked for: the load is there. */
export type Up = { type: "up" };

const counts = {
  /** Connections made (`connect`). */
  connections: 0,
  /** Connections refused or failed before `connect`. */
  connectErrors: 0,
  /** Connections the server or the network closed, not the client. */
  dropped: 0,
  /** `state` messages received, first ones included. */
  states: 0,
  /** New orders received: a seq above the connection's last. */
  orders: 0,
  /** Seqs skipped within one connection: the last seen was n, the next n + 2 or more. */
  lost: 0,
  /** A seq below the last one, or the very same snapshot twice in a row. */
  duplicates: 0,
  /** Same seq, something else changed (an answer, a link's health): allowed, counted to be seen. */
  otherChanges: 0,
  /** A first state older than one another client of this process had seen before this one connected. */
  staleFirst: 0,
  /** Connections that lived their whole life without a state. */
  noFirst: 0,
};

interface Client {
  socket: Socket<ServerToClient, ClientToServer>;
  /** The newest seq any client here had seen when this one began to connect: its first state can be no older. */
  floor: number;
  last?: Snapshot;
  timer?: NodeJS.Timeout;
}

const seqOf = (snapshot: Snapshot) => snapshot.order?.seq ?? 0;
const live = new Set<Client>();
let newest = 0;
let churning = true;
/** What the soak asked for in its `start`. */
let settings: Start;
/** Called whenever a client connects, gets a state or leaves: for until(). */
let onProgress = () => {};

function open(): void {
  const {
    url,
    lifeMs: [least, most],
  } = settings;
  const client: Client = { socket: io(url, { transports: ["websocket"], forceNew: true, reconnection: false }), floor: newest };
  const { socket } = client;
  live.add(client);
  socket.on("connect", () => {
    counts.connections++;
    onProgress();
    client.timer = setTimeout(() => replace(client), least + Math.random() * (most - least));
  });
  socket.on("connect_error", () => {
    counts.connectErrors++;
    replace(client);
  });
  socket.on("disconnect", (reason) => {
    if (reason === "io client disconnect") return;
    counts.dropped++;
    replace(client);
  });
  followSocket(socket, (snapshot) => received(client, snapshot));
}

function replace(client: Client): void {
  clearTimeout(client.timer);
  if (!live.delete(client)) return;
  if (!client.last && client.socket.connected) counts.noFirst++;
  client.socket.close();
  if (churning) open();
  onProgress();
}

function received(client: Client, snapshot: Snapshot): void {
  counts.states++;
  const seq = seqOf(snapshot);
  const last = client.last;
  newest = Math.max(newest, seq);
  if (!last) {
    if (seq < client.floor) counts.staleFirst++;
  } else if (seq > seqOf(last)) {
    counts.orders++;
    counts.lost += seq - seqOf(last) - 1;
  } else if (seq < seqOf(last) || JSON.stringify(snapshot) === JSON.stringify(last)) {
    counts.duplicates++;
    return; // the newer state stays the one to compare with
  } else {
    counts.otherChanges++;
  }
  client.last = snapshot;
  onProgress();
}

/** Resolves once `done()` holds (checked whenever a client makes progress), or after `ms` anyway. */
function until(done: () => boolean, ms = Infinity): Promise<void> {
  return new Promise((resolve) => {
    const timer = ms < Infinity ? setTimeout(resolve, ms) : undefined;
    onProgress = () => {
      if (!done()) return;
      clearTimeout(timer);
      resolve();
    };
    onProgress();
  });
}

const send = (message: Up | Report) => new Promise((resolve) => process.send!(message, resolve));

process.on("disconnect", () => process.exit(1)); // the soak is gone: so are we
process.on("message", async (message: Start | Settle) => {
  if (message.type === "start") {
    settings = message;
    for (let i = 0; i < message.clients; i++) open();
    await until(() => counts.connections >= message.clients);
    await send({ type: "up" });
    return;
  }
  churning = false;
  for (const client of live) clearTimeout(client.timer);
  await until(() => [...live].every((c) => c.last && seqOf(c.last) >= message.seq), message.ms);
  const finals = [...live].map(({ last }) => (last?.order ? { seq: last.order.seq, position: last.order.position } : null));
  await send({ type: "report", counts, finals });
  for (const client of live) client.socket.close();
  process.exit(0);
});
