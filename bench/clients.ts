// One of the benchmark's client processes (bench/latency.ts forks several, so that the load
// generator is not what is measured): opens its share of the connections, notes when each new
// order reaches each one (process.hrtime: CLOCK_MONOTONIC, the writer's clock too) and keeps it
// here. Nothing goes to the parent while writes are being measured: once they are over, the
// parent sends when each write began and this process matches receipts to writes itself, and
// replies with the latencies and counts in one message.
//
// Against Chadburn a client is a socket.io client (WebSocket transport only) listening to `state`;
// against the floor (bench/floor.ts) a plain `ws` client. Both parse the message before the
// receipt is timed (socket.io parses before it calls the listener), and both count a message as a
// new order only when its order's seq differs from the last one seen.
import { io } from "socket.io-client";
import { WebSocket } from "ws";
import { monotonicMs } from "./clock";

export type Kind = "chadburn" | "floor";
/**
 * Open `count` connections, at most `concurrency` handshakes at a time; reply `Up` once each has its
 * first message (or failed). `light`: instead of socket.io-client (and JSON.parse for the floor), a
 * minimal client that reads the order's position and seq from the head of each message, so that
 * the load generator's own parsing weighs less on the machine the servers share with it.
 */
export type Connect = { type: "connect"; kind: Kind; url: string; path: string; count: number; concurrency: number; light: boolean };
export type Up = { type: "up"; connected: number; failed: number; errors: string[] };
/** Forget what came before: the writes begin. */
export type Measure = { type: "measure" };
export type Measuring = { type: "measuring" };
/** The writes are over: when each began (monotonic ms) and what it wrote. Wait until every client has the last, or `timeoutMs`. */
export type Settle = { type: "settle"; at: number[]; positions: number[]; timeoutMs: number };
export type Report = {
  type: "report";
  /** Write → receipt in ms, every matched receipt of every client here. */
  latencies: Float64Array;
  /** For each write, how many clients here received it. */
  seenBy: Int32Array;
  /** For each write, the slowest receipt here (ms; 0 if none): which writes make the tail. */
  slowest: Float64Array;
  clients: number;
  /** Clients whose last order is not the last write's. */
  notFinal: number;
  /** Connections that closed during the measurement. */
  dropped: number;
  /** Receipts that matched no write (out of order or before the writes): should be 0. */
  unmatched: number;
};
export type Close = { type: "close" };
/** Sent once at start: the process is up (tsx has compiled it), so its start is not timed as connecting. */
export type Ready = { type: "ready" };
export type ToClients = Connect | Measure | Settle | Close;

interface Client {
  close(): void;
  /** The position of each new order and when it arrived (monotonic ms). */
  positions: number[];
  times: number[];
  lastSeq: unknown;
}

const clients: Client[] = [];
let dropped = 0;
let measuring = false;
/** While settling: the final position, and how many clients have it as their last. */
let final: number | undefined;
let atFinal = 0;
let onFinal = () => {};

type Order = { position: number; seq: number } | null | undefined;
/** The order at the head of a snapshot (Chadburn's, or the floor's copy of it): {"order":{"position":7,…,"seq":12 */
const ORDER = /"order":\{"position":(\d+)[^{}]*?"seq":(\d+)/;

function record(client: Client, order: Order): void {
  if (!order || order.seq === client.lastSeq) return;
  const t = monotonicMs();
  client.lastSeq = order.seq;
  if (final !== undefined) {
    const was = client.positions.at(-1) === final;
    const is = order.position === final;
    atFinal += Number(is) - Number(was);
  }
  client.positions.push(order.position);
  client.times.push(t);
  if (final !== undefined && atFinal === clients.length) onFinal();
}

/** Opens one connection; resolves true at its first message, false if it fails or takes over 30 s. */
function open({ kind, url, path, light }: Connect): Promise<boolean | string> {
  return new Promise((resolve) => {
    const client: Client = { close: () => {}, positions: [], times: [], lastSeq: undefined };
    let settled = false;
    const done = (result: boolean | string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (result === true) clients.push(client);
      else client.close();
      resolve(result);
    };
    const timer = setTimeout(() => done("no first message within 30 s"), 30_000);
    const gone = () => {
      if (!settled) return done("closed before its first message");
      if (measuring) dropped++;
    };
    if (light) {
      // socket.io's protocol by hand (engine.io 4 over a WebSocket: open, connect to "/", answer
      // pings), and the order read from the head of the message rather than the whole parsed.
      const chadburn = kind === "chadburn";
      const ws = new WebSocket(chadburn ? `${url.replace(/^http/, "ws")}${path}/?EIO=4&transport=websocket` : url.replace(/^http/, "ws"), {
        perMessageDeflate: false,
      });
      client.close = () => ws.close();
      ws.on("message", (data) => {
        const text = data.toString();
        if (chadburn && !text.startsWith('42["state"')) {
          if (text[0] === "0")
            ws.send("40"); // engine.io open: connect to the namespace
          else if (text === "2")
            ws.send("3"); // ping: pong
          else if (text.startsWith("44")) done(`refused: ${text}`);
          return;
        }
        const head = ORDER.exec(text.slice(0, 400));
        record(client, head && { position: Number(head[1]), seq: Number(head[2]) });
        done(true);
      });
      ws.on("error", (error) => done(error.message));
      ws.on("close", gone);
    } else if (kind === "chadburn") {
      const socket = io(url, { path, transports: ["websocket"], forceNew: true, reconnection: false, timeout: 30_000 });
      client.close = () => socket.close();
      socket.on("state", (snapshot: { order: Order }) => {
        record(client, snapshot.order);
        done(true);
      });
      socket.on("connect_error", (error) => done(error.message));
      socket.on("disconnect", gone);
    } else {
      const ws = new WebSocket(url.replace(/^http/, "ws"), { perMessageDeflate: false });
      client.close = () => ws.close();
      ws.on("message", (data) => {
        record(client, (JSON.parse(data.toString()) as { order: Order }).order);
        done(true);
      });
      ws.on("error", (error) => done(error.message));
      ws.on("close", gone);
    }
  });
}

async function connect(message: Connect): Promise<Up> {
  let next = 0;
  let failed = 0;
  const errors = new Set<string>();
  const worker = async () => {
    while (next < message.count) {
      next++;
      const result = await open(message);
      if (result === true) continue;
      failed++;
      errors.add(String(result));
    }
  };
  await Promise.all(Array.from({ length: Math.min(message.concurrency, message.count) }, worker));
  return { type: "up", connected: clients.length, failed, errors: [...errors].slice(0, 5) };
}

/**
 * Each client's receipts against the writes, in order: a receipt is write w's when it names w's
 * position and arrived after w began. Consecutive writes name different positions, so a write the
 * client never got is one whose position is not next in its receipts.
 */
function report({ at, positions }: Settle): Report {
  const latencies: number[] = [];
  const seenBy = new Int32Array(at.length);
  const slowest = new Float64Array(at.length);
  let notFinal = 0;
  let unmatched = 0;
  for (const client of clients) {
    let i = 0;
    for (let w = 0; w < at.length; w++) {
      while (i < client.times.length && client.times[i] < at[w]) {
        i++; // arrived before this write began: matches no write still to come
        unmatched++;
      }
      if (i < client.times.length && client.positions[i] === positions[w]) {
        const latency = client.times[i] - at[w];
        latencies.push(latency);
        seenBy[w]++;
        if (latency > slowest[w]) slowest[w] = latency;
        i++;
      }
    }
    unmatched += client.times.length - i;
    if (client.positions.at(-1) !== positions.at(-1)) notFinal++;
  }
  return { type: "report", latencies: Float64Array.from(latencies), seenBy, slowest, clients: clients.length, notFinal, dropped, unmatched };
}

const send = (message: Ready | Up | Measuring | Report) => new Promise<void>((resolve) => process.send!(message, () => resolve()));

process.on("disconnect", () => process.exit(1)); // the bench is gone: so are we
process.on("message", async (message: ToClients) => {
  if (message.type === "connect") return send(await connect(message));
  if (message.type === "measure") {
    for (const client of clients) {
      client.positions = [];
      client.times = [];
    }
    dropped = 0;
    measuring = true;
    return send({ type: "measuring" });
  }
  if (message.type === "settle") {
    final = message.positions.at(-1);
    atFinal = clients.filter((c) => c.positions.at(-1) === final).length;
    if (atFinal < clients.length) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, message.timeoutMs);
        onFinal = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    measuring = false;
    return send(report(message));
  }
  for (const client of clients) client.close();
  setTimeout(() => process.exit(0), 200);
});

void send({ type: "ready" });
