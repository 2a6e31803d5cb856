// The benchmark's clients (bench/connection.ts) against a socket.io server that speaks as Chadburn
// does since issue 15 (`state` on connect, then `change` events) or as before (`state` alone): both
// the socket.io-client fleet and the light one follow every order and nothing else, count each
// message's bytes as the server wrote them, and as panels say hello and send the latest order's
// receipt with the panel's throttle.
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server, type Socket } from "socket.io";
import { afterEach, describe, expect, it } from "vitest";
import { SOCKET_PATH } from "../lib/protocol";
import { type Client, type Events, type Fleet, type Order, open } from "../bench/connection";
import { waitFor, within } from "./support/wait";

const EPOCH = "0123456789abcdef0123456789abcdef";
const order = (position: number, seq: number) => ({
  position,
  name: `p${position}`,
  label: `P${position}`,
  seq,
  at: "2026-01-01T00:00:00Z",
  source: "telegraph",
});
/** What socket.io writes for an event: Engine.IO's message (4), Socket.IO's event (2), the JSON. */
const wireBytes = (event: string, payload: unknown) => Buffer.byteLength(`42${JSON.stringify([event, payload])}`);

const closing: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  while (closing.length) await closing.pop()!();
});

/** A socket.io server on loopback that answers every event {ok: true} and keeps what it got. */
async function fakeServer(onConnection: (socket: Socket) => void) {
  const http = createServer();
  const io = new Server(http, { path: SOCKET_PATH });
  const got: { event: string; payload: unknown }[] = [];
  io.on("connection", (socket) => {
    onConnection(socket);
    socket.onAny((event: string, payload: unknown, reply?: (r: unknown) => void) => {
      got.push({ event, payload });
      reply?.({ ok: true });
    });
  });
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  closing.push(() => io.close());
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, io, got };
}

/** Opens one bench client and keeps what it tells. */
async function benchClient(url: string, light: boolean, fleet: Fleet) {
  const told = { orders: [] as Order[], bytes: [] as [string, number][], gaps: 0, sent: [] as string[], replies: [] as unknown[] };
  const events: Events = {
    bytes: (kind, n) => told.bytes.push([kind, n]),
    order(client: Client, o: Order) {
      client.lastSeq = o.seq;
      told.orders.push(o);
    },
    gap: () => told.gaps++,
    sent: (event) => told.sent.push(event),
    reply: (reply) => told.replies.push(reply),
    gone: () => {},
  };
  const client = await within(
    open({ wire: "socket.io", url, path: SOCKET_PATH, light, fleet, name: "Bench 1", panels: 1 }, events),
    "the client's first state",
  );
  if (typeof client === "string") throw new Error(client);
  closing.push(() => client.close());
  return told;
}

const seqs = (orders: Order[]) => orders.map((o) => o.seq);

describe.each([false, true])("the bench's clients (light: %s)", (light) => {
  it("follow orders through state and change events, and nothing else, counting each message's bytes", async () => {
    let socket: Socket | undefined;
    const server = await fakeServer((s) => {
      socket = s;
      s.emit("state", { version: 5, epoch: EPOCH, order: order(3, 10), history: [] });
    });
    const told = await benchClient(server.url, light, "bare");

    const first = { version: 6, epoch: EPOCH, order: order(7, 11) };
    socket!.emit("change", first);
    socket!.emit("change", { version: 7, epoch: EPOCH, answer: { position: 7, seq: 11, at: "…" }, answered: 1, acknowledged: true });
    socket!.emit("change", { version: 8, epoch: EPOCH, expired: { seq: 11, at: "…" } });
    socket!.emit("change", { version: 10, epoch: EPOCH, order: order(2, 12) }); // 9 never came: a gap
    await waitFor(() => told.orders.length === 3, "the third order");

    expect(told.orders.map(({ position, seq }) => ({ position, seq }))).toEqual([
      { position: 3, seq: 10 },
      { position: 7, seq: 11 },
      { position: 2, seq: 12 },
    ]);
    expect(told.bytes.filter(([kind]) => kind === "change")[0]).toEqual(["change", wireBytes("change", first)]);
    // The light client reads only the head of each message: it does not look at versions.
    expect(told.gaps).toBe(light ? 0 : 1);
  });

  it("follow the server from before issue 15, which sends the whole state at every order", async () => {
    let socket: Socket | undefined;
    const server = await fakeServer((s) => {
      socket = s;
      s.emit("state", { order: order(3, 10), answer: null, history: [] });
    });
    const told = await benchClient(server.url, light, "bare");
    socket!.emit("state", { order: order(3, 10), answer: { position: 3, seq: 10 }, history: [] }); // an answer: no new order
    socket!.emit("state", { order: order(8, 11), answer: null, history: [{ order: order(3, 10), answer: null }] });
    await waitFor(() => told.orders.length === 2, "the second order");
    expect(seqs(told.orders)).toEqual([10, 11]);
  });

  it("as panels, say hello (with a reply), then send the latest order's receipt 250 to 500 ms on (without)", async () => {
    let socket: Socket | undefined;
    const server = await fakeServer((s) => {
      socket = s;
      s.emit("state", { version: 1, epoch: EPOCH, order: order(3, 10) });
    });
    const told = await benchClient(server.url, light, "panel");
    const receipts = () => server.got.filter((g) => g.event === "receipt").map((g) => g.payload as { seq: number; heard: string });

    // Once its hello is answered (the current order again), and once the throttle's 250 to 500 ms are over.
    await waitFor(() => receipts().length === 2, "two receipts for the order on connect");
    expect(server.got[0]).toEqual({ event: "hello", payload: { panel: expect.stringMatching(/^[0-9a-f]{24}$/), name: "Bench 1" } });
    socket!.emit("change", { version: 2, epoch: EPOCH, order: order(7, 11) });
    socket!.emit("change", { version: 3, epoch: EPOCH, order: order(8, 12) });
    await waitFor(() => receipts().length === 3, "the receipt for the newer orders");
    expect(receipts()).toEqual([10, 10, 12].map((seq) => ({ seq, heard: "delivered" })));
    expect(told.replies).toEqual([{ ok: true }]); // the hello's: a receipt asks for none

    expect(told.sent).toEqual(["hello", "receipt", "receipt", "receipt"]);
  });
});
