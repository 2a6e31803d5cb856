// `npm run bench`: write → receipt latency at 100 to 10,000 clients, Chadburn against three floors,
// with two fleets of clients, in one command (options: bench/options.ts). For each number of
// clients N, each fleet and each server in turn, one run (bench/measure.ts) on a fresh server
// (with --rounds K, K rounds of them, and each server's median run reported):
//   servers: Chadburn's production build; --before: the same from another checkout (a copy from
//            before a change, with node_modules and .next linked in), in the same conditions; --nodes N:
//            Chadburn on N nodes over one Redis, the clients spread over them (bench/nodes.ts); the
//            floors (bench/floor.ts: fs.watch + `ws` writing one pre-encoded frame per order):
//            floor-snapshot (Chadburn's whole snapshot, what Chadburn sent per order before issue 15),
//            floor-raw ({"position":7,"seq":12}), floor-socketio (the same as a socket.io event, on
//            enough of socket.io's protocol that socket.io-client connects to it unchanged);
//   fleets:  bare (clients that listen) and panel (clients that also say hello and send receipts,
//            as components/useTelegraph.ts does; the floors drop what they send).
// Then the browser figure (bench/browser.ts): write → the dial starting to move in Chromium.
// Results: a table on stdout (bench/report.ts), the goals (bench/goals.ts), JSON in bench/results/
// (latest.tmp.json; with --reference, reference.json and the chart docs/performance-latency.svg,
// or with --clients light too, reference-light-clients.json and performance-latency-light-clients.svg).
// The exit code is 1 when a goal measured in the run is missed (docs/performance.md lists them).
import { mkdir, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { browserFigure, type BrowserFigure } from "./browser";
import { latencyChart } from "./chart";
import { describeGoals, goalsOf } from "./goals";
import { WARM_UP, measure, say } from "./measure";
import { settings } from "./options";
import { machine, raiseFileLimit } from "./proc";
import { type Row, type Run, type Server, chartLines, describeBrowser, medianRun, ratiosOf, table } from "./report";
import { cleanUp } from "./server";

const { ns: NS, writes: WRITES, gapMs: GAP_MS, procs: PROCS, light: LIGHT, servers: SERVERS, fleets: FLEETS, rounds: ROUNDS } = settings;
const resultsDir = path.join(import.meta.dirname, "results");
const docs = path.join(import.meta.dirname, "..", "docs");

// Waiting for a quiet machine (--wait-quiet, and --reference): the figures are only as good as
// the machine is idle. Up to 15 minutes, a look a minute, then on anyway, the load noted.
const QUIET_LOAD = 2;
if (settings.waitQuiet) {
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

const startedAt = new Date().toISOString();
const machineAtStart = machine();
say(
  `bench: ${NS.join(", ")} clients × ${SERVERS.join(", ")} × the ${FLEETS.join(" and ")} fleet${ROUNDS > 1 ? ` × ${ROUNDS} rounds` : ""}, ${WRITES} writes ${GAP_MS} ms apart, ` +
    `clients in ${PROCS} processes; ${machineAtStart.cores} cores, load ${machineAtStart.loadAverage.join(" ")}`,
);
const rows: Row[] = [];
for (const n of NS) {
  for (const fleet of FLEETS) {
    const row: Row = { n, fleet, ratios: [] };
    const runs = new Map<Server, Run[]>(SERVERS.map((kind) => [kind, []]));
    // Each round in another order of the servers (Chadburn first in the first, whose snapshot floor-snapshot copies):
    // none always runs just after the same one, or always at the same point of the machine's other work.
    for (let round = 0; round < ROUNDS; round++) {
      for (const kind of [...SERVERS.slice(round % SERVERS.length), ...SERVERS.slice(0, round % SERVERS.length)]) {
        say(`${n.toLocaleString("en")} clients, ${fleet} fleet, ${kind}${ROUNDS > 1 ? `, round ${round + 1} of ${ROUNDS}` : ""}…`);
        runs.get(kind)!.push(await measure(kind, n, fleet, settings));
        await sleep(2000);
      }
    }
    for (const [kind, its] of runs) row[kind] = medianRun(its);
    if (ROUNDS > 1) row.p99ByRound = Object.fromEntries([...runs].map(([kind, its]) => [kind, its.map((run) => run.latencyMs?.p99 ?? null)]));
    row.ratios = ratiosOf(row);
    rows.push(row);
    say(table([row]).join("\n"));
  }
}

let browser: BrowserFigure | { error: string } | undefined;
if (!settings.skipBrowser && SERVERS.includes("chadburn")) {
  say(`browser: ${settings.browserWrites} writes, write → the dial starting to move in Chromium…`);
  browser = await browserFigure({ writes: settings.browserWrites }).catch((error: Error) => ({ error: error.message }));
}

const goals = goalsOf(rows, browser);

const results = {
  startedAt,
  finishedAt: new Date().toISOString(),
  machine: { ...machineAtStart, loadAverageAtEnd: machine().loadAverage },
  settings: {
    clientKind: LIGHT
      ? "light: socket.io's protocol by hand, the order read from the message's head"
      : "socket.io-client 4.8 (floor-snapshot and floor-raw: ws and JSON.parse)",
    servers: SERVERS,
    fleets: FLEETS,
    before: settings.before,
    nodes: settings.nodes || undefined,
    clients: NS,
    rounds: ROUNDS,
    writes: WRITES,
    gapMs: GAP_MS,
    clientProcesses: PROCS,
    handshakesAtOncePerProcess: settings.concurrency,
    warmUpWrites: WARM_UP,
    settleMs: settings.settleMs,
  },
  clock: "process.hrtime (CLOCK_MONOTONIC) in the writer and every client process",
  rows,
  browser,
  goals,
};
await mkdir(resultsDir, { recursive: true });
const out = path.join(resultsDir, settings.reference ? `reference${LIGHT ? "-light-clients" : ""}.json` : "latest.tmp.json");
await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
const svg = latencyChart(
  chartLines(rows),
  `Status write → client receipt (${WRITES} writes ${GAP_MS} ms apart${LIGHT ? ", light clients" : ""})`,
  `${machineAtStart.cores} cores, ${machineAtStart.cpu?.replace(/\s+/g, " ").split(" ").slice(0, 3).join(" ")}\nNode ` +
    `${process.version}\nload average ${machineAtStart.loadAverage[0]}\n${startedAt.slice(0, 10)}\nclients in ${PROCS} processes`,
);
const chart = settings.reference
  ? path.join(docs, `performance-latency${LIGHT ? "-light-clients" : ""}.svg`)
  : path.join(tmpdir(), "chadburn-bench-latency.svg");
await writeFile(chart, svg);

console.log(table(rows).join("\n"));
if (browser) console.log("\n" + ("medianMs" in browser ? describeBrowser(browser) : `browser: failed: ${browser.error}`));
console.log(`\n${describeGoals(goals, results.machine)}`);
console.log(`\nresults: ${path.relative(process.cwd(), out)}; chart: ${path.relative(process.cwd(), chart)}`);
await cleanUp();
process.exit(goals.every((g) => g.met) ? 0 : 1);
