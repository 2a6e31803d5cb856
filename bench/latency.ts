// Write → receipt latency: the time from a status-file write to each socket.io client's receipt
// of the order, against the real server (production build) in its own process.
// Usage: npm run bench -- [--clients 50] [--writes 100] [--gap 100]
// The writer and the clients share this process, so one clock (process.hrtime) times both ends.
import { writeFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { type Socket, io } from "socket.io-client";
import type { ServerToClient, Snapshot } from "../lib/protocol";
import { cleanUp, startServer } from "./server";

const { values } = parseArgs({
  options: { clients: { type: "string", default: "50" }, writes: { type: "string", default: "100" }, gap: { type: "string", default: "100" } },
});
const CLIENTS = Number(values.clients);
const WRITES = Number(values.writes);
const GAP_MS = Number(values.gap);
const now = () => Number(process.hrtime.bigint()) / 1e6;

const { url, statusFile } = await startServer({ name: "bench" });

// received[w][c]: when client c saw the order of write w.
const writtenAt: number[] = [];
const received: number[][] = Array.from({ length: WRITES }, () => []);
const positionOf = (w: number) => (w % 11) + 1; // cycles the face, never the same twice in a row
const clients = await Promise.all(
  Array.from({ length: CLIENTS }, async () => {
    const client: Socket<ServerToClient> = io(url, { transports: ["websocket"], forceNew: true, reconnection: false });
    await new Promise((resolve) => client.once("state", resolve));
    client.on("state", record);
    return client;
  }),
);
let current = -1;
function record(snapshot: Snapshot) {
  const t = now();
  if (snapshot.order?.position === positionOf(current)) received[current].push(t);
}

for (let w = 0; w < WRITES; w++) {
  current = w;
  writtenAt[w] = now();
  await writeFile(statusFile, `${positionOf(w)}\n`);
  await sleep(GAP_MS);
}

const latencies = received.flatMap((times, w) => times.map((t) => t - writtenAt[w])).sort((a, b) => a - b);
const quantile = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
const missed = CLIENTS * WRITES - latencies.length;
console.log(`write → receipt, ${WRITES} writes ${GAP_MS} ms apart, ${CLIENTS} clients (${latencies.length} receipts, ${missed} missed)`);
console.log(`median ${quantile(0.5).toFixed(1)} ms   p95 ${quantile(0.95).toFixed(1)} ms   p99 ${quantile(0.99).toFixed(1)} ms   worst ${latencies.at(-1)!.toFixed(1)} ms`);

for (const client of clients) client.close();
await cleanUp();
process.exit(missed ? 1 : 0);
