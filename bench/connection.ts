// One benchmark client's connection, the way bench/clients.ts opens it: to Chadburn and the
// socket.io-wire floor over socket.io (socket.io-client, WebSocket transport only, or `light`: the
// protocol by hand), to the other floors over plain `ws`. It tells its process of every message's
// bytes and every order it brings; a panel (the `panel` fleet) also says hello and sends receipts.
//
// Where the order is: Chadburn's `state` (the snapshot, order at .order), Chadburn's `change` since
// issue 15 (order at .order when the change is one; others carry answers, expiries, links), the
// floors' {"position":7,"seq":12} (alone, or as the socket.io-wire floor's `state` and `change`). An
// order counts as new when its seq differs from the last one seen: the old server (--before), which
// sends only `state`, is followed the same way.
import { io } from "socket.io-client";
import { WebSocket } from "ws";
import type { Receipt } from "../lib/protocol";
import { receiptPace } from "../lib/receipts";

/** How a client talks to the server: socket.io (Chadburn, the socket.io-wire floor) or plain `ws` (the other floors). */
export type Wire = "socket.io" | "ws";
/** bare: connects and listens; panel: also does what components/useTelegraph.ts does (hello, then receipts). */
export type Fleet = "bare" | "panel";
export type Order = { position: number; seq: number };

export interface Options {
  wire: Wire;
  url: string;
  path: string;
  light: boolean;
  fleet: Fleet;
  /** The panel's name in its hello (the panel fleet). */
  name: string;
  /**
   * Panels in the fleet: what Chadburn's presence says once all are connected, by which a panel
   * spreads its receipts (lib/protocol.ts). Taken from here, so that every server, floors too, gets
   * the same receipts at the same pace.
   */
  panels: number;
}

export interface Client {
  close(): void;
  /** The position of each new order and when it arrived (monotonic ms). */
  positions: number[];
  times: number[];
  lastSeq: unknown;
}

/** What a connection tells its process. */
export interface Events {
  /** A message's bytes, as the server wrote them (the WebSocket frame's header not counted), by what it was. */
  bytes(kind: string, n: number): void;
  order(client: Client, order: Order): void;
  /** A change whose version is not the one after the last (issue 15's gap): a server bug, asked for a snapshot as a panel would. */
  gap(): void;
  /** The panel sent a hello, a receipt or (after a gap) asked for a snapshot. */
  sent(event: string): void;
  /** A reply to one of them ({ok: true} or a refusal). */
  reply(reply: unknown): void;
  /** Closed after its first message. */
  gone(): void;
}

const hex = (bytes: number) =>
  Array.from({ length: bytes }, () =>
    Math.floor(Math.random() * 256)
      .toString(16)
      .padStart(2, "0"),
  ).join("");

/** The order a payload carries, if any: Chadburn's snapshot or change (.order), or a floor's frame. */
export function orderOf(payload: unknown): Order | undefined {
  if (!payload || typeof payload !== "object") return undefined;
  const found = "order" in payload ? payload.order : payload;
  return found && typeof (found as Order).position === "number" && typeof (found as Order).seq === "number" ? (found as Order) : undefined;
}

/** What a socket.io packet (engine.io's "4" taken off) is: its event's name, or the packet's type. */
function socketIoKind(text: string): string {
  if (text.startsWith('2["')) return text.slice(3, text.indexOf('"', 3));
  return ({ "0": "connect", "1": "disconnect", "3": "ack", "4": "connect_error" } as Record<string, string>)[text[0]] ?? "other";
}

/** The order at the head of a message, without parsing it all (`light`): Chadburn's .order, or a floor's frame. */
const HEAD = /"order":\{"position":(\d+)[^{}]*?"seq":(\d+)|^(?:42\["\w+",)?\{"position":(\d+),"seq":(\d+)\}/;

/** Opens one connection; resolves with it at its first state (or frame), or with why not (failed, or over 30 s). */
export function open(options: Options, events: Events): Promise<Client | string> {
  return new Promise((resolve) => {
    const client: Client = { close: () => {}, positions: [], times: [], lastSeq: undefined };
    let settled = false;
    const done = (result: true | string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (result !== true) client.close();
      resolve(result === true ? client : result);
    };
    const timer = setTimeout(() => done("no first message within 30 s"), 30_000);
    const gone = () => (settled ? events.gone() : done("closed before its first message"));
    const hello = { panel: hex(12), name: options.name };
    const panel = options.fleet === "panel";
    // The panel's receipts (components/useTelegraph.ts): paced by lib/receipts.ts, no reply asked for.
    let heard: ReturnType<typeof receiptPace<Receipt>> | undefined;
    // Every state or change message, with an order or not: the first one is the connection's start.
    const onOrder = (order: Order | undefined) => {
      if (order && order.seq !== client.lastSeq) {
        events.order(client, order);
        heard?.heard({ seq: order.seq, heard: "delivered" });
      }
      done(true);
    };

    if (options.wire === "socket.io" && !options.light) {
      const socket = io(options.url, { path: options.path, transports: ["websocket"], forceNew: true, reconnection: false, timeout: 30_000 });
      client.close = () => {
        heard?.stop();
        socket.close();
      };
      socket.io.on("open", () =>
        socket.io.engine.on("packet", ({ type, data }: { type: string; data?: unknown }) => {
          const text = typeof data === "string" ? data : "";
          events.bytes(type === "message" ? socketIoKind(text) : type, 1 + Buffer.byteLength(text));
        }),
      );
      const emit = (event: string, payload: unknown, then?: () => void) => {
        events.sent(event);
        if (event === "receipt") return void socket.emit(event, payload); // as the panel: no reply asked for
        socket.emit(event, payload, (reply: unknown) => {
          events.reply(reply);
          then?.();
        });
      };
      let version: number | undefined;
      socket.on("state", (snapshot: { version?: number }) => {
        version = snapshot.version;
        onOrder(orderOf(snapshot));
      });
      socket.on("change", (change: { version?: number }) => {
        if (version !== undefined && change.version !== version + 1) {
          events.gap();
          if (panel) emit("snapshot", {});
        }
        version = change.version;
        onOrder(orderOf(change));
      });
      if (panel) {
        heard = receiptPace<Receipt>(
          (receipt) => socket.connected && emit("receipt", receipt),
          () => options.panels,
        );
        // Whose panel this is, then (again, after a reconnect) how the current order reached it.
        socket.on("connect", () =>
          emit("hello", hello, () => {
            const latest = heard!.latest();
            if (latest) emit("receipt", latest);
          }),
        );
      }
      socket.on("connect_error", (error) => done(error.message));
      socket.on("disconnect", gone);
      return;
    }

    // A WebSocket: plain (the ws floors), or socket.io's protocol by hand (light: engine.io 4, connect
    // to "/", answer pings; the order read from the head of the message rather than the whole parsed).
    const socketIo = options.wire === "socket.io";
    const url = options.url.replace(/^http/, "ws") + (socketIo ? `${options.path}/?EIO=4&transport=websocket` : "");
    const ws = new WebSocket(url, { perMessageDeflate: false });
    client.close = () => {
      heard?.stop();
      ws.close();
    };
    // The panel fleet sends what socket.io-client would, acks and all (the ws floors drop it).
    let ack = 0;
    let helloAck = -1;
    const emit = (event: string, payload: unknown) => {
      if (ws.readyState !== WebSocket.OPEN) return;
      events.sent(event);
      if (event === "hello") helloAck = ack;
      // As the panel: a receipt asks for no reply.
      ws.send(event === "receipt" ? `42${JSON.stringify([event, payload])}` : `42${ack++}${JSON.stringify([event, payload])}`);
    };
    if (panel)
      heard = receiptPace<Receipt>(
        (receipt) => emit("receipt", receipt),
        () => options.panels,
      );
    if (panel && !socketIo) ws.on("open", () => emit("hello", hello));
    ws.on("message", (data: Buffer) => {
      const text = data.toString();
      const kind = !socketIo ? "frame" : text[0] === "4" ? socketIoKind(text.slice(1)) : text === "2" ? "ping" : "engine.io";
      events.bytes(kind, data.length);
      if (socketIo && kind !== "state" && kind !== "change") {
        if (text[0] === "0")
          ws.send("40"); // engine.io's open: connect to the namespace
        else if (text === "2")
          ws.send("3"); // ping: pong
        else if (kind === "connect" && panel) emit("hello", hello);
        else if (kind === "connect_error") done(`refused: ${text}`);
        else if (kind === "ack") {
          events.reply(JSON.parse(text.slice(text.indexOf("[")))[0]);
          const latest = heard?.latest();
          if (Number(text.slice(2, text.indexOf("["))) === helloAck && latest) emit("receipt", latest);
        }
        return;
      }
      if (!options.light) return onOrder(orderOf(JSON.parse(text)));
      const head = HEAD.exec(text.slice(0, 400));
      onOrder(head ? { position: Number(head[1] ?? head[3]), seq: Number(head[2] ?? head[4]) } : undefined);
    });
    ws.on("error", (error) => done(error.message));
    ws.on("close", gone);
  });
}
