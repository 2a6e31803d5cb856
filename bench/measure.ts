// One run of the benchmark (bench/latency.ts): one server, one fleet, N clients, on a fresh server
// with temporary files:
//   1. 22 writes, not counted (Chadburn's snapshot then carries its full history of 20 orders);
//   2. N clients connect, spread over --procs processes of their own (bench/clients.ts), so the
//      load generator is not what is measured; the server's memory is read before and after;
//      10 more writes, not counted, warm the broadcast up;
//   3. a writer process (bench/writer.ts) writes the status file --writes times --gap ms apart the
//      way a simple host does (open with truncate, write, close), cycling the positions;
//   4. the clients match their receipts to the writes and report: latency from the write's start
//      to each receipt (all processes time with process.hrtime, CLOCK_MONOTONIC), deliveries
//      missed, writes no client saw, whether each client ended on the last write's position, and
//      the bytes each message took.
import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { appendFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { SOCKET_PATH } from "../lib/protocol";
import { DEFAULT_FACE } from "../lib/face";
import type { Report, ToClients, Up } from "./clients";
import { monotonicMs } from "./clock";
import type { Fleet } from "./connection";
import type { Settings } from "./options";
import { HEAP_PROBE_ARGS, heapProbeLine, procStats } from "./proc";
import { type Probe, type Run, type Server, isFloor, orderBytesOf, round } from "./report";
import { startNodes } from "./nodes";
import { type BenchServer, onCleanUp, startFloor, startServer, stopChild } from "./server";
import type { Write, Written } from "./writer";

/** Writes before the clients connect: Chadburn's history (20 orders) is full, so every snapshot has its full size. */
const WARM_UP_WRITES = 22;
const WARM_UP_GAP_MS = 70;
/**
 * Writes after they connect, not counted: the broadcast's code in the server and the receiving
 * code in the clients are compiled (the first broadcasts to 1,000 clients take twice as long).
 * The figures are a running server's, not the first orders after a start.
 */
const WARM_BROADCASTS = 10;
export const WARM_UP = { beforeConnecting: WARM_UP_WRITES, afterConnecting: WARM_BROADCASTS };
/** The positions written: consecutive writes never name the same one. */
const positions = DEFAULT_FACE.map((p) => p.position);
const positionOf = (w: number) => positions[w % positions.length];

export const say = (line: string) => process.stderr.write(`${line}\n`);
const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, sleep(ms, undefined, { ref: false }).then(() => Promise.reject(new Error(`${what}: no answer within ${ms / 1000} s`)))]);

/** A Chadburn snapshot after the warm-up (GET /api/state), for the snapshot floor's frames. */
let template: string | undefined;

/** The CPU time (ms) these processes have used, together. */
const cpuOf = async (pids: number[]) => (await Promise.all(pids.map(procStats))).reduce((sum, p) => sum + p.cpuMs, 0);

/**
 * Sends SIGUSR2 to a server's processes started with heap-probe and waits for what each prints:
 * several nodes' lines come through one onLine, so their figures are summed, not told apart.
 */
function prober(pids: number[]) {
  let found: { heap: number; external: number }[] = [];
  let waiting: (() => void) | undefined;
  return {
    line(line: string): boolean {
      const probed = heapProbeLine(line);
      if (probed && found.push(probed) === pids.length) waiting?.();
      return !!probed;
    },
    async probe(): Promise<Probe> {
      found = [];
      const probed = new Promise<void>((resolve) => (waiting = resolve));
      for (const pid of pids) process.kill(pid, "SIGUSR2");
      await within(probed, 30_000, "heap probe");
      const rssKb = (await Promise.all(pids.map(procStats))).reduce((sum, p) => sum + p.rssKb, 0);
      return { rssKb, heapKb: Math.round(found.reduce((sum, f) => sum + f.heap + f.external, 0) / 1024) };
    },
  };
}

/** Forks the writer, has it write these positions, and resolves with when each write began. */
async function write(file: string, from: number, count: number, gapMs: number): Promise<number[]> {
  const writer = fork(path.join(import.meta.dirname, "writer.ts"), { stdio: "inherit" });
  onCleanUp(() => stopChild(writer));
  const done = once(writer, "message") as Promise<[Written]>;
  writer.send({ type: "write", file, positions: Array.from({ length: count }, (_, i) => positionOf(from + i)), gapMs } satisfies Write);
  const [{ at }] = await within(done, count * gapMs + 30_000, "the writer");
  return at;
}

/** Asks every client process and resolves with their replies. */
function askAll<T>(procs: ChildProcess[], message: (i: number) => ToClients, ms: number, what: string): Promise<T[]> {
  return within(
    Promise.all(
      procs.map(
        (child, i) =>
          new Promise<T>((resolve, reject) => {
            const exited = () => reject(new Error(`a client process exited (${child.exitCode ?? child.signalCode}) during ${what}`));
            child.once("exit", exited);
            child.once("message", (reply) => {
              child.off("exit", exited);
              resolve(reply as T);
            });
            child.send(message(i));
          }),
      ),
    ),
    ms,
    what,
  );
}

async function start(kind: Server, n: number, settings: Settings, onLine: (line: string) => void): Promise<BenchServer> {
  const name = `bench-${kind}-${n}`;
  if (!isFloor(kind)) {
    const nodeArgs = [...HEAP_PROBE_ARGS, ...settings.serverNodeArgs];
    if (kind === "chadburn-nodes") return startNodes(settings.nodes, { name, nodeArgs, onLine });
    return startServer({ name, nodeArgs, onLine, root: kind === "before" ? settings.before : undefined });
  }
  let templateFile: string | undefined;
  if (kind === "floor-snapshot") {
    if (!template) throw new Error("floor-snapshot: no Chadburn snapshot to copy (run chadburn first)");
    await writeFile((templateFile = path.join(tmpdir(), `chadburn-bench-template-${process.pid}.json`)), template);
  }
  const frame = kind === "floor-snapshot" ? "snapshot" : kind === "floor-raw" ? "raw" : "socketio";
  return startFloor({ name, nodeArgs: HEAP_PROBE_ARGS, onLine, frame, template: templateFile });
}

export async function measure(kind: Server, n: number, fleet: Fleet, settings: Settings): Promise<Run> {
  const { writes: WRITES, gapMs: GAP_MS, procs: PROCS } = settings;
  const serverSaid: string[] = [];
  /** Once the figures are in: what it says as it stops (a writer letting its lease go) is no news. */
  let stopping = false;
  // eslint-disable-next-line prefer-const -- onLine reads it before the server is up, where a const would throw
  let probe: ReturnType<typeof prober> | undefined;
  const onLine = (line: string) => {
    if (settings.serverLog && !isFloor(kind)) appendFileSync(settings.serverLog, `${kind} ${fleet} ${n} ${line}\n`);
    if (probe?.line(line) || stopping) return;
    try {
      const { level, msg } = JSON.parse(line) as { level: number; msg: string };
      if (level >= 40 && serverSaid.length < 20) serverSaid.push(msg);
    } catch {
      if (serverSaid.length < 20) serverSaid.push(line);
    }
  };
  const server = await start(kind, n, settings, onLine);
  const nodes = server.nodes ?? [server];
  const pids = nodes.map((node) => node.pid);
  probe = prober(pids);

  await write(server.statusFile, 0, WARM_UP_WRITES, WARM_UP_GAP_MS);
  await sleep(500);
  let snapshotBytes: number | undefined;
  if (!isFloor(kind)) {
    // GET /api/state adds who is listening; the snapshot the panels get is the rest.
    const { presence: _, ...snapshot } = (await (await fetch(`${server.url}/api/state`)).json()) as Record<string, unknown>;
    snapshotBytes = Buffer.byteLength(JSON.stringify(snapshot));
    if (kind !== "chadburn-nodes") template = JSON.stringify(snapshot); // the floor copies one node's
  }
  const before = await probe.probe();

  // The clients, in processes of their own.
  const procs = Array.from({ length: PROCS }, () => {
    const child = fork(path.join(import.meta.dirname, "clients.ts"), { stdio: "inherit", serialization: "advanced" });
    onCleanUp(() => stopChild(child));
    return child;
  });
  await within(Promise.all(procs.map((child) => once(child, "message"))), 60_000, "starting the client processes"); // Ready
  const share = (i: number) => Math.floor(n / PROCS) + (i < n % PROCS ? 1 : 0);
  const started = monotonicMs();
  const ups = await askAll<Up>(
    procs,
    (i) => ({
      type: "connect",
      wire: kind === "floor-snapshot" || kind === "floor-raw" ? "ws" : "socket.io",
      fleet,
      urls: nodes.map((node) => node.url),
      path: SOCKET_PATH,
      count: share(i),
      panels: n,
      first: Array.from({ length: i }, (_, j) => share(j)).reduce((a, b) => a + b, 0),
      concurrency: settings.concurrency,
      light: settings.light,
    }),
    120_000 + n * 20,
    `connecting ${n} clients`,
  );
  const connectMs = monotonicMs() - started;
  const connected = ups.reduce((sum, up) => sum + up.connected, 0);
  say(`  ${kind}, ${fleet} fleet: ${connected} of ${n} connected in ${(connectMs / 1000).toFixed(1)} s`);
  await sleep(1000 + n / 10); // the rush's after-effects (presence, garbage) settle
  const after = await probe.probe();
  await sleep(1000); // the forced collection's pause is over
  await write(server.statusFile, WARM_UP_WRITES, WARM_BROADCASTS, GAP_MS);
  await sleep(1000);

  // The writes, measured.
  await askAll(procs, () => ({ type: "measure" }), 30_000, "measure");
  const loadBefore = loadavg()[0];
  const cpuBefore = await cpuOf(pids);
  const clientCpu = () => cpuOf(procs.map((child) => child.pid!));
  const clientCpuBefore = await clientCpu();
  const first = WARM_UP_WRITES + WARM_BROADCASTS;
  const at = await write(server.statusFile, first, WRITES, GAP_MS);
  const written = at.map((_, i) => positionOf(first + i));
  const reports = await askAll<Report>(
    procs,
    () => ({ type: "settle", at, positions: written, timeoutMs: settings.settleMs }),
    settings.settleMs + 60_000,
    "settling",
  );
  const cpuMs = (await cpuOf(pids)) - cpuBefore;
  const clientCpuMs = (await clientCpu()) - clientCpuBefore;
  const loadAfter = loadavg()[0];

  await askAll(procs, () => ({ type: "close" }), 30_000, "closing").catch(() => {});
  await Promise.all(procs.map(stopChild));
  stopping = true;
  await server.stop();

  const latencies = new Float64Array(reports.reduce((sum, r) => sum + r.latencies.length, 0));
  let offset = 0;
  for (const r of reports) {
    latencies.set(r.latencies, offset);
    offset += r.latencies.length;
  }
  latencies.sort();
  const q = (p: number) => round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]);
  const seenBy = new Int32Array(WRITES);
  for (const r of reports) r.seenBy.forEach((c, w) => (seenBy[w] += c));
  const sum = (f: (r: Report) => number) => reports.reduce((s, r) => s + f(r), 0);
  const orders = WRITES - seenBy.filter((c) => c === 0).length;
  const received = Math.max(
    1,
    sum((r) => r.orders),
  );
  /** Figures of each process, summed: per order received, or per client when `per` is connected. */
  const merged = (of: (r: Report) => Record<string, number>, per: number) => {
    const all: Record<string, number> = {};
    for (const r of reports) for (const [k, v] of Object.entries(of(r))) all[k] = (all[k] ?? 0) + v;
    return Object.fromEntries(Object.entries(all).map(([k, v]) => [k, round(v / per)]));
  };
  const byKind = merged((r) => r.bytes, received);
  return {
    server: kind,
    nodes: server.nodes?.length,
    fleet,
    n,
    connected,
    connectFailed: ups.reduce((s, up) => s + up.failed, 0),
    connectErrors: [...new Set(ups.flatMap((up) => up.errors))],
    connectMs: Math.round(connectMs),
    writes: WRITES,
    writesAt: at.map(round),
    receipts: latencies.length,
    missed: connected * WRITES - latencies.length,
    writesNoneSaw: seenBy.filter((c) => c === 0).length,
    slowestPerWrite: Array.from({ length: WRITES }, (_, w) => round(Math.max(...reports.map((r) => r.slowest[w])))),
    unseenWrites: [...seenBy.keys()].filter((w) => seenBy[w] === 0).map((w) => ({ write: w, afterPreviousMs: w ? round(at[w] - at[w - 1]) : null })),
    endedFinal: sum((r) => r.clients - r.notFinal),
    dropped: sum((r) => r.dropped),
    unmatched: sum((r) => r.unmatched),
    latencyMs: latencies.length
      ? {
          p50: q(0.5),
          p95: q(0.95),
          p99: q(0.99),
          max: round(latencies.at(-1)!),
          mean: round(latencies.reduce((a, b) => a + b, 0) / latencies.length),
        }
      : null,
    memory: {
      before,
      after,
      rssPerClientKb: round((after.rssKb - before.rssKb) / Math.max(1, connected)),
      heapPerClientKb: round((after.heapKb - before.heapKb) / Math.max(1, connected)),
    },
    cpuMs: Math.round(cpuMs),
    cpuPerOrderMs: round(cpuMs / Math.max(1, orders)),
    clientCpuPerOrderMs: round(clientCpuMs / Math.max(1, orders)),
    bytesPerOrder: { orders: orderBytesOf(byKind), all: round(Object.values(byKind).reduce((a, b) => a + b, 0)), byKind },
    gaps: sum((r) => r.gaps),
    panels:
      fleet === "panel"
        ? {
            sentPerOrder: merged((r) => r.sent, received),
            replies: sum((r) => r.replies),
            refusals: [...new Set(reports.flatMap((r) => r.refusals))],
          }
        : undefined,
    snapshotBytes,
    loadAverage: { before: round(loadBefore), after: round(loadAfter) },
    serverSaid,
  };
}
