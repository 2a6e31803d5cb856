// Soak: hundreds of socket.io clients connecting and leaving at random while the order changes
// every 100 ms, against the production server in its own process. Every connected client must
// get every order once and in order, all must end on the server's state, and the server's memory
// must level off. Exit code 0 only then.
// Usage: npm run soak -- [--minutes 10] [--clients 500] [--gap 100] [--procs 3] [--json]
// The clients run in --procs processes of their own (bench/soak-clients.ts), so the server is
// what is measured, not this process's event loop.
import { type ChildProcess, fork } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { availableParallelism, loadavg } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { type Socket, io } from "socket.io-client";
import { EventEmitter, once } from "node:events";
import { followSocket } from "../lib/change";
import type { ClientToServer, ServerToClient, Snapshot } from "../lib/protocol";
import { cleanUp, onCleanUp, startServer, stopChild } from "./server";
import type { Counts, Report, Settle, Start, Up } from "./soak-clients";
import { clock, levelsOff, memoryTable, serverMonitor } from "./soak-server";

const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "10" },
    clients: { type: "string", default: "500" },
    gap: { type: "string", default: "100" },
    procs: { type: "string", default: "3" },
    json: { type: "boolean", default: false },
  },
});
const MINUTES = Number(values.minutes);
const CLIENTS = Number(values.clients);
const GAP_MS = Number(values.gap);
const PROCS = Number(values.procs);
for (const [name, value] of Object.entries({ minutes: MINUTES, clients: CLIENTS, gap: GAP_MS, procs: PROCS })) {
  if (!(value > 0)) throw new Error(`--${name} must be a positive number, not ${value}`);
}
/** How long one client stays connected, at least and at most: hundreds of connections a minute. */
const LIFE_MS: [number, number] = [1_000, 20_000];
/** The first connections may take this long, all together. */
const UP_MS = 60_000;
/** The end may take this long: the last order reaching every client, then their reports. */
const SETTLE_MS = 10_000;

/** Resolves true when `p` does, or false after `ms`. */
const within = (p: Promise<unknown>, ms: number) => Promise.race([p.then(() => true), sleep(ms, false, { ref: false })]);

/** Sends a client process a message and resolves with its reply; its exit before then is an error. */
function ask<T>(child: ChildProcess, message: Start | Settle): Promise<T> {
  return new Promise((resolve, reject) => {
    const exited = () => reject(new Error(`a client process exited (${child.exitCode ?? child.signalCode}) before it replied`));
    if (child.exitCode !== null || child.signalCode !== null) return exited();
    child.once("exit", exited);
    child.once("message", (reply) => {
      child.off("exit", exited);
      resolve(reply as T);
    });
    child.send(message, (error) => error && reject(error));
  });
}

const getState = async (url: string): Promise<Snapshot> => (await fetch(`${url}/api/state`)).json();

// The server's own complaints (its log's warnings and errors, anything else it prints), for the report.
const serverSaid: string[] = [];
const memory = serverMonitor(MINUTES);
const server = await startServer({
  name: "soak",
  nodeArgs: memory.nodeArgs,
  onLine(line) {
    if (memory.line(line)) return;
    try {
      const { level, msg } = JSON.parse(line) as { level: number; msg: string };
      if (level >= 40) serverSaid.push(msg);
    } catch {
      serverSaid.push(line);
    }
  },
});

const procs = Array.from({ length: PROCS }, () => {
  const child = fork(path.join(import.meta.dirname, "soak-clients.ts"), { stdio: "inherit" });
  onCleanUp(() => stopChild(child));
  return child;
});
const up = procs.map((child, i) =>
  ask<Up>(child, { type: "start", url: server.url, clients: Math.floor(CLIENTS / PROCS) + (i < CLIENTS % PROCS ? 1 : 0), lifeMs: LIFE_MS }),
);
if (!(await within(Promise.all(up), UP_MS))) throw new Error(`${CLIENTS} clients did not connect within ${UP_MS / 1000} s`);

// One more client, here, connected throughout: it tells which writes became orders, how soon,
// and when the last one is out.
const observer: Socket<ServerToClient, ClientToServer> = io(server.url, { transports: ["websocket"], forceNew: true, reconnection: false });
onCleanUp(async () => observer.close());
let seen: Snapshot | undefined;
const orders: { position: number; at: number }[] = [];
const snapshots = new EventEmitter();
followSocket(observer, (snapshot) => {
  if (snapshot.order && snapshot.order.seq !== seen?.order?.seq) orders.push({ position: snapshot.order.position, at: Date.now() });
  seen = snapshot;
  snapshots.emit("snapshot");
});
await within(once(snapshots, "snapshot"), SETTLE_MS);
const firstSeq = seen?.order?.seq ?? 0;
const ordersBefore = orders.length;

// The writer: a simple host's write (open, truncate, write, close), cycling the face so each
// write is a new order. A fixed pause after each write keeps writes at least GAP_MS apart: one
// that never becomes an order was overwritten while the server was held up for longer than that.
const positionOf = (w: number) => (w % 11) + 1;
const writtenAt: number[] = [];
await memory.start(server.pid);
const loadBefore = loadavg()[0];
const started = Date.now();
while (Date.now() < started + MINUTES * 60_000) {
  writtenAt.push(Date.now());
  await writeFile(server.statusFile, `${positionOf(writtenAt.length - 1)}\n`);
  await sleep(GAP_MS);
}
const samples = memory.stop();
const written = writtenAt.length;
// Other work on the machine holds the server up too: the writes say how much.
const machine = { cores: availableParallelism(), loadBefore, loadAfter: loadavg()[0] };

const lastTaken = () => seen?.order?.position === positionOf(written - 1);
await within(new Promise<void>((resolve) => (lastTaken() ? resolve() : snapshots.on("snapshot", () => lastTaken() && resolve()))), SETTLE_MS);
const target = (await getState(server.url)).order?.seq ?? 0;
const reporting = Promise.all(procs.map((child) => ask<Report>(child, { type: "settle", seq: target, ms: SETTLE_MS })));
if (!(await within(reporting, 2 * SETTLE_MS))) throw new Error("the client processes did not report");
const reports = await reporting;
const final = (await getState(server.url)).order;

const counts = Object.fromEntries(
  Object.keys(reports[0].counts).map((key) => [key, reports.reduce((sum, r) => sum + r.counts[key as keyof Counts], 0)]),
) as Counts;
const finals = reports.flatMap((r) => r.finals);
const mismatches = finals.filter((f) => !f || f.seq !== final?.seq || f.position !== final.position).length;
const taken = (final?.seq ?? 0) - firstSeq;
// Each order the observer saw is the next write that names its position: the writes in between
// were overwritten before the server read the file.
const overwritten: number[] = [];
const latencies: number[] = [];
for (const [w, at] of writtenAt.entries()) {
  const order = orders[ordersBefore + latencies.length];
  if (order?.position === positionOf(w)) latencies.push(order.at - at);
  else overwritten.push((at - started) / 1000);
}
latencies.sort((a, b) => a - b);
const level = levelsOff(samples);
const mustBeZero = {
  lost: counts.lost,
  duplicates: counts.duplicates,
  "final mismatches": mismatches,
  "stale first states": counts.staleFirst,
  "connections without a state": counts.noFirst,
  "connect errors": counts.connectErrors,
  "dropped by the server": counts.dropped,
};
const failed = Object.entries(mustBeZero)
  .filter(([, n]) => n !== 0)
  .map(([what, n]) => `${n} ${what}`);
if (!level.ok) failed.push("memory did not level off");
if (!finals.length) failed.push("no client connected at the end");

const n = (x: number) => x.toLocaleString("en");
const quantile = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
if (values.json) {
  const figures = { minutes: MINUTES, clients: CLIENTS, gapMs: GAP_MS, procs: PROCS, ...counts, connectedAtEnd: finals.length, mismatches };
  const writes = { written, taken, overwrittenAtS: overwritten, medianMs: quantile(0.5), worstMs: latencies.at(-1) };
  console.log(
    JSON.stringify({ ...figures, writes, final, memory: { ...level, samples }, machine, serverSaid, failed, pass: !failed.length }, null, 2),
  );
} else {
  console.log(
    [
      `soak: ${MINUTES} min, ${CLIENTS} clients in ${PROCS} processes, each living ${LIFE_MS[0] / 1000}–${LIFE_MS[1] / 1000} s; an order every ${GAP_MS} ms`,
      `connections  ${n(counts.connections)} made (${n(Math.round(counts.connections / MINUTES))} ` +
        `a minute); ${counts.connectErrors} failed, ${counts.dropped} dropped by the server`,
      `first state  ${counts.staleFirst} stale, ${counts.noFirst} connections without one`,
      `deliveries   ${n(counts.states)} states, ${n(counts.orders)} new orders; ${counts.lost} ` +
        `lost, ${counts.duplicates} duplicates, ${counts.otherChanges} other changes`,
      `writes       ${n(written)} written, ${n(taken)} became orders` +
        (overwritten.length
          ? `; ${overwritten.length} overwritten before the server read them, at ` +
            `${overwritten.slice(0, 10).map(clock).join(" ")}${overwritten.length > 10 ? " …" : ""}`
          : "") +
        `; write → a client: median ${quantile(0.5)} ms, worst ${latencies.at(-1)} ms`,
      `machine      ${machine.cores} cores, load average ${machine.loadBefore.toFixed(1)} at the start, ${machine.loadAfter.toFixed(1)} at the end`,
      `final state  #${final?.seq} position ${final?.position}; ${finals.length} clients connected, ${mismatches} mismatches`,
      `server said  ${serverSaid.length ? serverSaid.slice(0, 5).join(" | ") : "no warnings or errors"}`,
      `server       ${memoryTable(samples).join("\n")}`,
      `levels off   ${level.ok ? "yes" : "NO"}: ${level.why}`,
      failed.length ? `FAIL: ${failed.join(", ")}` : "PASS",
    ].join("\n"),
  );
}
await cleanUp();
process.exit(failed.length ? 1 : 0);
