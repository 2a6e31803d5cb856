// `npm run bench`: write → receipt latency at 100 to 10,000 clients, Chadburn against a floor, in
// one command. For each number of clients N, and for each server in turn (Chadburn's production
// build, then bench/floor.ts: fs.watch + `ws` sending one pre-encoded frame), on a fresh server with
// temporary files:
//   1. 22 writes, not counted (Chadburn's snapshot then carries its full history of 20 orders);
//   2. N clients connect, spread over --procs processes of their own (bench/clients.ts), so the
//      load generator is not what is measured; the server's memory is read before and after;
//      10 more writes, not counted, warm the broadcast up;
//   3. a writer process (bench/writer.ts) writes the status file --writes times --gap ms apart the
//      way a simple host does (open with truncate, write, close), cycling the positions;
//   4. the clients match their receipts to the writes and report: latency from the write's start
//      to each receipt (all processes time with process.hrtime, CLOCK_MONOTONIC), deliveries
//      missed, writes no client saw, whether each client ended on the last write's position.
// Then the browser figure (bench/browser.ts): write → the dial starting to move in Chromium.
// Results (bench/report.ts): a table on stdout, JSON in bench/results/ (latest.tmp.json; with --reference,
// reference.json and the chart docs/performance-latency.svg, or with --clients light too,
// reference-light-clients.json and performance-latency-light-clients.svg). The exit code is 1 when
// a goal measured in the run is missed (docs/performance.md lists them).
//
// Usage: npm run bench -- [--n 100,1000,5000,10000] [--writes 50] [--gap 100] [--procs 4]
//        [--quick] [--skip-browser] [--browser-writes 20] [--servers chadburn,floor]
//        [--settle 30] [--clients socket.io|light] [--reference] [--wait-quiet]
//        [--server-node-args="--cpu-prof --cpu-prof-dir=/tmp/prof"] [--server-log <file>] [--before <another checkout>]
// --before: also measures Chadburn's server/main.ts from another checkout (a copy from before a
// change, with node_modules and .next linked in), in the same run and the same conditions.
import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { appendFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { SOCKET_PATH } from "../lib/protocol";
import { DEFAULT_FACE } from "../lib/face";
import { browserFigure, type BrowserFigure } from "./browser";
import { latencyChart } from "./chart";
import type { Report, ToClients, Up } from "./clients";
import { monotonicMs } from "./clock";
import { HEAP_PROBE_ARGS, heapProbeLine, machine, procStats, raiseFileLimit } from "./proc";
import { type Probe, type Row, type Run, type Server, chartLines, describeBrowser, describeGoals, goalsOf, ratio, round, table } from "./report";
import { type BenchServer, cleanUp, onCleanUp, startFloor, startServer, stopChild } from "./server";
import type { Write, Written } from "./writer";

const { values } = parseArgs({
  options: {
    n: { type: "string" },
    writes: { type: "string" },
    gap: { type: "string", default: "100" },
    procs: { type: "string", default: "4" },
    concurrency: { type: "string", default: "50" },
    /** socket.io-client (the real client, the default) or light (bench/clients.ts): what the clients are. */
    clients: { type: "string", default: "socket.io" },
    quick: { type: "boolean", default: false },
    "skip-browser": { type: "boolean", default: false },
    "browser-writes": { type: "string" },
    servers: { type: "string", default: "chadburn,floor" },
    settle: { type: "string", default: "30" },
    reference: { type: "boolean", default: false },
    "wait-quiet": { type: "boolean", default: false },
    /** More node flags for Chadburn's server, space-separated: "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it. */
    "server-node-args": { type: "string", default: "" },
    /** Every line Chadburn's server prints, appended to this file (its log, --trace-gc …). */
    "server-log": { type: "string" },
    /** Also run Chadburn's server/main.ts from another checkout (before/after a change, same conditions). */
    before: { type: "string" },
  },
});
/** --quick: 100 and 1,000 clients, 20 writes, 10 in the browser: a minute or two. */
const NS = (values.n ?? (values.quick ? "100,1000" : "100,1000,5000,10000")).split(",").map(Number);
const WRITES = Number(values.writes ?? (values.quick ? 20 : 50));
const BROWSER_WRITES = Number(values["browser-writes"] ?? (values.quick ? 10 : 20));
const GAP_MS = Number(values.gap);
const PROCS = Number(values.procs);
/** Handshakes under way at once per client process: 4 × 50 stays under the server's listen backlog (511). */
const CONCURRENCY = Number(values.concurrency);
const SETTLE_MS = Number(values.settle) * 1000;
const LIGHT = values.clients === "light";
if (!LIGHT && values.clients !== "socket.io") throw new Error("--clients is socket.io or light");
/**
 * The servers measured, in turn.
 * "floor": its frames are Chadburn's snapshot with the order changed, the same size and shape, so
 * its clients parse as much; "floor-small": {"order":{"position":7,"seq":12}}, a status and
 * nothing else, which tells what sending the whole state at every order costs (--servers
 * chadburn,floor,floor-small). "before": Chadburn from the --before checkout.
 */
const SERVERS = [...new Set([...values.servers.split(","), ...(values.before ? ["before"] : [])])] as Server[];
for (const [name, value] of Object.entries({ writes: WRITES, gap: GAP_MS, procs: PROCS, concurrency: CONCURRENCY, settle: SETTLE_MS })) {
  if (!(value > 0)) throw new Error(`--${name} must be a positive number, not ${value}`);
}
if (NS.some((n) => !(n > 0)) || !SERVERS.length || SERVERS.some((s) => !["chadburn", "floor", "floor-small", "before"].includes(s)))
  throw new Error("--n takes numbers, --servers chadburn, floor and/or floor-small");

/** Writes before the clients connect: Chadburn's history (20 orders) is full, so every snapshot has its full size. */
const WARM_UP_WRITES = 22;
const WARM_UP_GAP_MS = 70;
/**
 * Writes after they connect, not counted: the broadcast's code in the server and the receiving
 * code in the clients are compiled (the first broadcasts to 1,000 clients take twice as long).
 * The figures are a running server's, not the first orders after a start.
 */
const WARM_BROADCASTS = 10;
/** The positions written: consecutive writes never name the same one. */
const positions = DEFAULT_FACE.map((p) => p.position);
const positionOf = (w: number) => positions[w % positions.length];
const resultsDir = path.join(import.meta.dirname, "results");
const docs = path.join(import.meta.dirname, "..", "docs");

const say = (line: string) => process.stderr.write(`${line}\n`);
const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, sleep(ms, undefined, { ref: false }).then(() => Promise.reject(new Error(`${what}: no answer within ${ms / 1000} s`)))]);

// ---------------------------------------------------------------------------------------------
// Waiting for a quiet machine (--wait-quiet, and --reference): the figures are only as good as
// the machine is idle. Up to 15 minutes, a look a minute, then on anyway, the load noted.
const QUIET_LOAD = 2;
if (values["wait-quiet"] || values.reference) {
  for (let waited = 0; loadavg()[0] > QUIET_LOAD && waited < 15; waited++) {
    say(`load average ${loadavg()[0].toFixed(2)} > ${QUIET_LOAD}: waiting a minute for a quieter machine (${waited}/15)`);
    await sleep(60_000);
  }
}

// 10,000 connections need as many descriptors in the server, and a few more.
const fileLimit = raiseFileLimit();
const tooMany = NS.filter((n) => n + 1000 > fileLimit);
if (tooMany.length)
  throw new Error(
    `the open-file limit is ${fileLimit}: ${tooMany.join(", ")} clients need ${Math.max(...tooMany) + 1000}; raise it (ulimit -n) first`,
  );

// ---------------------------------------------------------------------------------------------

let template: string | undefined; // a Chadburn snapshot, for the floor's frames

/** Sends SIGUSR2 to a server started with heap-probe and waits for what it prints. */
function prober(pid: number) {
  let waiting: ((found: { heap: number; external: number }) => void) | undefined;
  return {
    line(line: string): boolean {
      const found = heapProbeLine(line);
      if (found) waiting?.(found);
      return !!found;
    },
    async probe(): Promise<Probe> {
      const probed = new Promise<{ heap: number; external: number }>((resolve) => (waiting = resolve));
      process.kill(pid, "SIGUSR2");
      const { heap, external } = await within(probed, 30_000, "heap probe");
      return { rssKb: (await procStats(pid)).rssKb, heapKb: Math.round((heap + external) / 1024) };
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

async function measure(kind: Server, n: number): Promise<Run> {
  const serverSaid: string[] = [];
  // eslint-disable-next-line prefer-const -- onLine reads it before the server is up, where a const would throw
  let probe: ReturnType<typeof prober> | undefined;
  const onLine = (line: string) => {
    if (values["server-log"] && !kind.startsWith("floor")) appendFileSync(values["server-log"], `${kind} ${n} ${line}\n`);
    if (probe?.line(line)) return;
    try {
      const { level, msg } = JSON.parse(line) as { level: number; msg: string };
      if (level >= 40 && serverSaid.length < 20) serverSaid.push(msg);
    } catch {
      if (serverSaid.length < 20) serverSaid.push(line);
    }
  };
  const name = `bench-${kind}-${n}`;
  let server: BenchServer;
  if (!kind.startsWith("floor")) {
    const nodeArgs = [...HEAP_PROBE_ARGS, ...values["server-node-args"].split(" ").filter(Boolean)];
    server = await startServer({ name, nodeArgs, onLine, root: kind === "before" ? path.resolve(values.before!) : undefined });
  } else {
    let templateFile: string | undefined;
    if (kind === "floor" && template) await writeFile((templateFile = path.join(tmpdir(), `chadburn-bench-template-${process.pid}.json`)), template);
    server = await startFloor({ name, nodeArgs: HEAP_PROBE_ARGS, onLine, template: templateFile });
  }
  probe = prober(server.pid);

  await write(server.statusFile, 0, WARM_UP_WRITES, WARM_UP_GAP_MS);
  await sleep(500);
  let frameBytes: number | undefined;
  if (!kind.startsWith("floor")) {
    template = await (await fetch(`${server.url}/api/state`)).text();
    frameBytes = Buffer.byteLength(template);
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
      kind: kind.startsWith("floor") ? "floor" : "chadburn",
      url: server.url,
      path: SOCKET_PATH,
      count: share(i),
      concurrency: CONCURRENCY,
      light: LIGHT,
    }),
    120_000 + n * 20,
    `connecting ${n} clients`,
  );
  const connectMs = monotonicMs() - started;
  const connected = ups.reduce((sum, up) => sum + up.connected, 0);
  say(`  ${kind}: ${connected} of ${n} connected in ${(connectMs / 1000).toFixed(1)} s`);
  await sleep(1000 + n / 10); // the rush's after-effects (presence, garbage) settle
  const after = await probe.probe();
  await sleep(1000); // the forced collection's pause is over
  await write(server.statusFile, WARM_UP_WRITES, WARM_BROADCASTS, GAP_MS);
  await sleep(1000);

  // The writes, measured.
  await askAll(procs, () => ({ type: "measure" }), 30_000, "measure");
  const loadBefore = loadavg()[0];
  const cpuBefore = (await procStats(server.pid)).cpuMs;
  const clientCpu = async () => (await Promise.all(procs.map((child) => procStats(child.pid!)))).reduce((sum, p) => sum + p.cpuMs, 0);
  const clientCpuBefore = await clientCpu();
  const first = WARM_UP_WRITES + WARM_BROADCASTS;
  const at = await write(server.statusFile, first, WRITES, GAP_MS);
  const written = at.map((_, i) => positionOf(first + i));
  const reports = await askAll<Report>(
    procs,
    () => ({ type: "settle", at, positions: written, timeoutMs: SETTLE_MS }),
    SETTLE_MS + 60_000,
    "settling",
  );
  const cpuMs = (await procStats(server.pid)).cpuMs - cpuBefore;
  const clientCpuMs = (await clientCpu()) - clientCpuBefore;
  const loadAfter = loadavg()[0];

  await askAll(procs, () => ({ type: "close" }), 30_000, "closing").catch(() => {});
  await Promise.all(procs.map(stopChild));
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
  return {
    server: kind,
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
    cpuPerOrderMs: round(cpuMs / Math.max(1, WRITES - seenBy.filter((c) => c === 0).length)),
    clientCpuPerOrderMs: round(clientCpuMs / Math.max(1, WRITES - seenBy.filter((c) => c === 0).length)),
    frameBytes: !kind.startsWith("floor") ? frameBytes : kind === "floor" && template ? Buffer.byteLength(template) : undefined,
    loadAverage: { before: round(loadBefore), after: round(loadAfter) },
    serverSaid,
  };
}

// ---------------------------------------------------------------------------------------------

const startedAt = new Date().toISOString();
const machineAtStart = machine();
say(
  `bench: ${NS.join(", ")} clients × ${SERVERS.join(" and ")}, ${WRITES} writes ${GAP_MS} ms apart, clients ` +
    `in ${PROCS} processes; ${machineAtStart.cores} cores, load ${machineAtStart.loadAverage.join(" ")}`,
);
const rows: Row[] = [];
for (const n of NS) {
  const row: (typeof rows)[number] = { n, ratio: null };
  for (const kind of SERVERS) {
    say(`${n.toLocaleString("en")} clients, ${kind}…`);
    row[kind] = await measure(kind, n);
    await sleep(2000);
  }
  row.ratio = ratio(row.chadburn, row.floor);
  rows.push(row);
  say(table([row]).join("\n"));
}

let browser: BrowserFigure | { error: string } | undefined;
if (!values["skip-browser"] && SERVERS.includes("chadburn")) {
  say(`browser: ${BROWSER_WRITES} writes, write → the dial starting to move in Chromium…`);
  browser = await browserFigure({ writes: BROWSER_WRITES }).catch((error: Error) => ({ error: error.message }));
}

const goals = goalsOf(rows, browser);

const results = {
  startedAt,
  finishedAt: new Date().toISOString(),
  machine: { ...machineAtStart, loadAverageAtEnd: machine().loadAverage },
  settings: {
    clientKind: LIGHT
      ? "light: socket.io's protocol by hand, the order read from the message's head"
      : "socket.io-client 4.8 (the floor: ws and JSON.parse)",
    servers: SERVERS,
    before: values.before,
    clients: NS,
    writes: WRITES,
    gapMs: GAP_MS,
    clientProcesses: PROCS,
    handshakesAtOncePerProcess: CONCURRENCY,
    warmUpWrites: { beforeConnecting: WARM_UP_WRITES, afterConnecting: WARM_BROADCASTS },
    settleMs: SETTLE_MS,
  },
  clock: "process.hrtime (CLOCK_MONOTONIC) in the writer and every client process",
  rows,
  browser,
  goals,
};
await mkdir(resultsDir, { recursive: true });
const out = path.join(resultsDir, values.reference ? `reference${LIGHT ? "-light-clients" : ""}.json` : "latest.tmp.json");
await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
const svg = latencyChart(
  chartLines(rows),
  `Status write → client receipt (${WRITES} writes ${GAP_MS} ms apart${LIGHT ? ", light clients" : ""})`,
  `${machineAtStart.cores} cores, ${machineAtStart.cpu?.replace(/\s+/g, " ").split(" ").slice(0, 3).join(" ")}\nNode ` +
    `${process.version}\nload average ${machineAtStart.loadAverage[0]}\n${startedAt.slice(0, 10)}\nclients in ${PROCS} processes`,
);
const chart = values.reference
  ? path.join(docs, `performance-latency${LIGHT ? "-light-clients" : ""}.svg`)
  : path.join(tmpdir(), "chadburn-bench-latency.svg");
await writeFile(chart, svg);

console.log(table(rows).join("\n"));
if (browser) console.log("\n" + ("medianMs" in browser ? describeBrowser(browser) : `browser: failed: ${browser.error}`));
console.log(`\n${describeGoals(goals, results.machine)}`);
console.log(`\nresults: ${path.relative(process.cwd(), out)}; chart: ${path.relative(process.cwd(), chart)}`);
await cleanUp();
process.exit(goals.every((g) => g.met) ? 0 : 1);
