// `npm run bench`'s options (bench/latency.ts), checked, and the settings every run shares.
//
// Usage: npm run bench -- [--n 100,1000,5000,10000] [--writes 50] [--gap 100] [--procs 4]
//        [--servers chadburn,floor-snapshot,floor-raw,floor-socketio] [--fleet both|bare|panel]
//        [--clients socket.io|light] [--quick] [--skip-browser] [--browser-writes 20]
//        [--settle 30] [--rounds 1] [--reference] [--wait-quiet] [--before <another checkout>] [--nodes 3]
//        [--server-node-args="--cpu-prof --cpu-prof-dir=/tmp/prof"] [--server-log <file>]
import path from "node:path";
import { parseArgs } from "node:util";
import type { Fleet } from "./connection";
import { FLOORS, SERVERS, type Server } from "./report";

const { values } = parseArgs({
  options: {
    n: { type: "string" },
    writes: { type: "string" },
    gap: { type: "string", default: "100" },
    procs: { type: "string", default: "4" },
    concurrency: { type: "string", default: "50" },
    /** The servers measured, in turn: Chadburn and the floors (bench/floor.ts); "before" comes with --before. */
    servers: { type: "string", default: ["chadburn", ...FLOORS].join(",") },
    /** bare: clients that only listen; panel: clients that also say hello and send receipts as the panel does; both: each in turn. */
    fleet: { type: "string", default: "both" },
    /** socket.io-client (the real client, the default) or light (bench/connection.ts): what the clients are. */
    clients: { type: "string", default: "socket.io" },
    quick: { type: "boolean", default: false },
    "skip-browser": { type: "boolean", default: false },
    "browser-writes": { type: "string" },
    settle: { type: "string", default: "30" },
    /** Each server this many times for each number of clients and fleet, and its median run reported (3 with --reference). */
    rounds: { type: "string" },
    reference: { type: "boolean", default: false },
    "wait-quiet": { type: "boolean", default: false },
    /** More node flags for Chadburn's server, space-separated: "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it. */
    "server-node-args": { type: "string", default: "" },
    /** Every line Chadburn's server prints, appended to this file (its log, --trace-gc …). */
    "server-log": { type: "string" },
    /** Also run Chadburn's server/main.ts from another checkout (before/after a change, same conditions). */
    before: { type: "string" },
    /** Also run Chadburn on this many nodes over one Redis (bench/nodes.ts), the clients spread over them. */
    nodes: { type: "string" },
  },
});

const renamed: Record<string, string> = { floor: "floor-snapshot", "floor-small": "floor-raw" };
const asked = values.servers.split(",").map((s) => s.trim());
for (const s of asked) {
  if (renamed[s]) throw new Error(`--servers ${s} is now ${renamed[s]}`);
  if (!SERVERS.includes(s as Server) || s === "before" || s === "chadburn-nodes")
    throw new Error(`--servers takes ${["chadburn", ...FLOORS].join(", ")}, not ${s} (--before <checkout> adds before, --nodes N chadburn-nodes)`);
}
const nodes = values.nodes === undefined ? undefined : Number(values.nodes);
if (nodes !== undefined && !(Number.isInteger(nodes) && nodes >= 2)) throw new Error(`--nodes takes a whole number from 2, not ${values.nodes}`);
/** In a fixed order: Chadburn first, whose snapshot the snapshot floor copies. */
const servers = SERVERS.filter((s) => asked.includes(s) || (s === "before" && values.before) || (s === "chadburn-nodes" && nodes !== undefined));
if (!servers.length) throw new Error("--servers names none");
if (servers.includes("floor-snapshot") && !servers.includes("chadburn") && !servers.includes("before"))
  throw new Error("floor-snapshot copies Chadburn's snapshot: run chadburn (or --before) with it");
if (!["both", "bare", "panel"].includes(values.fleet)) throw new Error("--fleet is both, bare or panel");
if (values.clients !== "socket.io" && values.clients !== "light") throw new Error("--clients is socket.io or light");

/** --quick: 100 and 1,000 clients, 20 writes, 10 in the browser: a minute or two a server. */
export const settings = {
  ns: (values.n ?? (values.quick ? "100,1000" : "100,1000,5000,10000")).split(",").map(Number),
  writes: Number(values.writes ?? (values.quick ? 20 : 50)),
  browserWrites: Number(values["browser-writes"] ?? (values.quick ? 10 : 20)),
  gapMs: Number(values.gap),
  procs: Number(values.procs),
  /** Handshakes under way at once per client process: 4 × 50 stays under the server's listen backlog (511). */
  concurrency: Number(values.concurrency),
  settleMs: Number(values.settle) * 1000,
  light: values.clients === "light",
  servers,
  fleets: (values.fleet === "both" ? ["bare", "panel"] : [values.fleet]) as Fleet[],
  skipBrowser: values["skip-browser"],
  rounds: Number(values.rounds ?? (values.reference ? 3 : 1)),
  reference: values.reference,
  waitQuiet: values["wait-quiet"] || values.reference,
  serverNodeArgs: values["server-node-args"].split(" ").filter(Boolean),
  serverLog: values["server-log"],
  before: values.before ? path.resolve(values.before) : undefined,
  /** --nodes: chadburn-nodes's number of nodes. */
  nodes: nodes ?? 0,
};
export type Settings = typeof settings;

for (const [name, value] of Object.entries({
  writes: settings.writes,
  gap: settings.gapMs,
  procs: settings.procs,
  concurrency: settings.concurrency,
  settle: settings.settleMs,
  rounds: settings.rounds,
})) {
  if (!(value > 0)) throw new Error(`--${name} must be a positive number, not ${value}`);
}
if (!Number.isInteger(settings.rounds)) throw new Error(`--rounds takes a whole number, not ${values.rounds}`);
if (!settings.ns.length || settings.ns.some((n) => !(n > 0))) throw new Error("--n takes numbers: 100,1000");
