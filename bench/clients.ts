// One of the benchmark's client processes (bench/latency.ts forks several, so that the load
// generator is not what is measured): opens its share of the connections (bench/connection.ts),
// notes when each new order reaches each one (process.hrtime: CLOCK_MONOTONIC, the writer's clock
// too) and keeps it here, with the bytes every message took. Nothing goes to the parent while writes
// are being measured: once they are over, the parent sends when each write began and this process
// matches receipts to writes itself, and replies with the latencies and counts in one message.
import { type Client, type Fleet, type Order, type Wire, open } from "./connection";
import { monotonicMs } from "./clock";

/**
 * Open `count` connections, at most `concurrency` handshakes at a time; reply `Up` once each has its
 * first message (or failed). `light`: instead of socket.io-client (and JSON.parse for the ws floors),
 * a minimal client that reads the order's position and seq from the head of each message, so that
 * the load generator's own parsing weighs less on the machine the servers share with it. `first`:
 * this process's first client's number among all, for the panels' names and its node: client i of
 * all connects to `urls[i % urls.length]` (several nodes, each one's panels an equal share).
 */
export type Connect = {
  type: "connect";
  wire: Wire;
  fleet: Fleet;
  urls: string[];
  path: string;
  count: number;
  first: number;
  /** Panels in the whole fleet, all processes (connection.ts). */
  panels: number;
  concurrency: number;
  light: boolean;
};
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
  /** New orders the clients here received while measuring (matched or not). */
  orders: number;
  /** Bytes of every message received while measuring, by what it was (event name, ping, ack, frame …). */
  bytes: Record<string, number>;
  /** Changes whose version did not follow the last one's: should be 0. */
  gaps: number;
  /** The panel fleet: what it sent while measuring, the replies it got, and the first refusals. */
  sent: Record<string, number>;
  replies: number;
  refusals: string[];
};
export type Close = { type: "close" };
/** Sent once at start: the process is up (tsx has compiled it), so its start is not timed as connecting. */
export type Ready = { type: "ready" };
export type ToClients = Connect | Measure | Settle | Close;

const clients: Client[] = [];
let dropped = 0;
let measuring = false;
/** While settling: the final position, and how many clients have it as their last. */
let final: number | undefined;
let atFinal = 0;
let onFinal = () => {};
let counts = { bytes: {} as Record<string, number>, gaps: 0, sent: {} as Record<string, number>, replies: 0, refusals: [] as string[] };
const tally = (to: Record<string, number>, key: string, n: number) => (to[key] = (to[key] ?? 0) + n);

function record(client: Client, order: Order): void {
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

const events = {
  bytes: (kind: string, n: number) => measuring && tally(counts.bytes, kind, n),
  order: record,
  gap: () => counts.gaps++,
  sent: (event: string) => measuring && tally(counts.sent, event, 1),
  reply(reply: unknown) {
    if (!measuring) return;
    counts.replies++;
    const { ok, error } = (reply ?? {}) as { ok?: boolean; error?: string };
    if (!ok && counts.refusals.length < 5) counts.refusals.push(String(error ?? JSON.stringify(reply)));
  },
  gone: () => measuring && dropped++,
};

async function connect(message: Connect): Promise<Up> {
  let next = 0;
  let failed = 0;
  const errors = new Set<string>();
  const worker = async () => {
    while (next < message.count) {
      const i = message.first + next++;
      const result = await open({ ...message, url: message.urls[i % message.urls.length], name: `Bench ${i + 1}` }, events);
      if (typeof result !== "string") {
        clients.push(result);
        continue;
      }
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
  return {
    type: "report",
    latencies: Float64Array.from(latencies),
    seenBy,
    slowest,
    clients: clients.length,
    notFinal,
    dropped,
    unmatched,
    orders: clients.reduce((sum, c) => sum + c.times.length, 0),
    ...counts,
  };
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
    counts = { bytes: {}, gaps: 0, sent: {}, replies: 0, refusals: [] };
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
