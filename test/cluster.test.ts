// Several nodes on Redis (issue 17), as processes on loopback sharing a data folder: an order from
// the telegraph reaches the panels of every node, an order given on a node that is not the writer
// reaches the status file, and when the writer is killed another node takes over.
import { writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Snapshot } from "../lib/protocol";
import type { Healthz } from "../lib/routes";
import { tempDir } from "./support/files";
import { type Client, connect, record, seqOf, stateWhere } from "./support/panels";
import { UNREACHABLE } from "../server/cluster/asks";
import { type ServerProcess, spawnServer } from "./support/processes";
import { startBalancer } from "./support/balancer";
import { type TestRedis, startRedis } from "./support/redis-server";
import { tracker } from "./support/track";
import { waitFor, within } from "./support/wait";

const track = tracker();
let redis: TestRedis;
let dir: string;
const WRITER = 'this node is the writer of the telegraph "default"';

beforeAll(async () => {
  redis = await startRedis();
});
beforeEach(async () => {
  dir = track.dir(await tempDir()); // a data folder for each test's nodes
});
afterEach(() => track.cleanup());
afterAll(() => redis.stop());

async function node(): Promise<ServerProcess> {
  return track.server(await spawnServer(path.join(dir, "data"), { args: ["--redis", redis.url, "--anonymous", "bridge"] }));
}

/** A panel of `server`, once it holds the telegraph as Redis has it (an epoch: the writer's snapshot). */
async function panelOf(server: { url: string }): Promise<Client> {
  const { client, first } = track.client(await connect(server.url, { transports: ["websocket"] })); // as behind a balancer
  if (!first.epoch)
    await within(
      stateWhere(client, (s) => !!s.epoch),
      "the writer's snapshot",
      10_000,
    );
  return client;
}

const orderOn = (client: Client, position: number): Promise<Snapshot> =>
  within(
    stateWhere(client, (s) => s.order?.position === position),
    `order ${position}`,
    5000,
  );

// Node processes start, elect a writer (70 % of the 3 s lease) and take over (up to 6 s): more than the default 20 s on a busy machine.
describe("several nodes on Redis", { timeout: 60_000 }, () => {
  it("serve one telegraph: orders reach every node's panels both ways, and a killed writer is replaced", async () => {
    const [a, b] = [await node(), await node()];
    await waitFor(() => [a, b].find((n) => n.logs.includes(WRITER)), "a writer", 10_000);
    const [writer, other] = a.logs.includes(WRITER) ? [a, b] : [b, a];
    const [onWriter, onOther] = [await panelOf(writer), await panelOf(other)];
    // Each node says whether it reaches Redis and what it writes, in /healthz and /metrics.
    const health = async (n: ServerProcess) => ((await (await fetch(`${n.url}/healthz`)).json()) as Healthz).cluster;
    expect([await health(writer), await health(other)]).toEqual([
      { redis: "answers", writes: ["default"] },
      { redis: "answers", writes: [] },
    ]);
    for (const n of [writer, other]) expect((await fetch(`${n.url}/readyz`)).status).toBe(200); // each holds the telegraph's state
    const metrics = await (await fetch(`${other.url}/metrics`)).text();
    expect(metrics).toMatch(/^chadburn_redis_up 1$/m);
    expect(metrics).toMatch(/^chadburn_telegraph_writer\{telegraph="default"\} 0$/m);

    // From the telegraph: the writer reads the status file; both nodes' panels get the order.
    const seen = Promise.all([orderOn(onWriter, 7), orderOn(onOther, 7)]);
    writeFileSync(path.join(dir, "data", "status.eot"), "7\n");
    const [w, o] = await seen;
    expect(o.order).toEqual(w.order);

    // From a panel of the other node: asked of the writer, who writes the status file.
    const both = Promise.all([orderOn(onWriter, 8), orderOn(onOther, 8)]);
    expect(await onOther.emitWithAck("order", { position: 8 })).toEqual({ ok: true });
    await both;
    await waitFor(async () => (await readFile(path.join(dir, "data", "status.eot"), "utf8")) === "8\n" || null, "the status file holds 8");
    // Over HTTP too, answered with the writer's snapshot: the order it took, not the one before.
    const posted = await fetch(`${other.url}/api/order`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"position":3}' });
    expect(posted.status).toBe(200);
    expect(((await posted.json()) as Snapshot).order).toMatchObject({ position: 3, seq: w.order!.seq + 2 });

    // The writer killed: the other node takes over within twice the lease (3 s), and reads the status file.
    const killed = performance.now();
    process.kill(writer.pid, "SIGKILL");
    await waitFor(() => other.logs.includes(WRITER) || null, "the other node writes", 8000);
    expect(performance.now() - killed).toBeLessThan(6000 + 1000); // the node's own checks, besides
    const next = orderOn(onOther, 9);
    writeFileSync(path.join(dir, "data", "status.eot"), "9\n");
    expect((await next).order?.seq).toBe(w.order!.seq + 3); // the store the nodes share: seq goes on
  });

  it("come back with Redis: panels told their updates are paused meanwhile, one writer after, no seq lost, twice or out of order", async () => {
    const [a, b] = [await node(), await node()];
    await waitFor(() => [a, b].find((n) => n.logs.includes(WRITER)), "a writer", 10_000);
    const panels = [await panelOf(a), await panelOf(b)];
    const held = panels.map(record);
    const told = panels.map((panel) => {
      const pauses: (string | null)[] = [];
      panel.on("paused", (since) => pauses.push(since));
      return pauses;
    });
    const before = orderOn(panels[1], 4);
    writeFileSync(path.join(dir, "data", "status.eot"), "4\n");
    const { order } = await before;

    const killed = Date.now();
    redis.process().kill("SIGKILL");
    const health = async (n: ServerProcess) => ((await (await fetch(`${n.url}/healthz`)).json()) as Healthz).cluster!;
    const both = async () => [await health(a), await health(b)];
    // Every panel is told, a few seconds in, since when: the page still shows order 4, and says it is not live.
    await waitFor(() => told.every((pauses) => pauses.length === 1) || null, "both panels told they are paused", 10_000);
    for (const [since] of told) expect(Math.abs(Date.parse(since!) - killed)).toBeLessThan(1000);
    await waitFor(async () => (await both()).every((h) => h.redis === "does not answer" && h.writes.length === 0) || null, "no node writes");
    // An order given meanwhile is refused at once, saying why, not queued for later.
    const asked = performance.now();
    expect(await panels[0].emitWithAck("order", { position: 2 })).toEqual({ ok: false, error: UNREACHABLE });
    expect(performance.now() - asked).toBeLessThan(1000);

    await redis.restart();
    await waitFor(() => told.every((pauses) => pauses.length === 2) || null, "both panels told they are live again", 10_000);
    expect(told.map((pauses) => pauses[1])).toEqual([null, null]);
    // The writer again, or the other node after it: the writer stays if Redis was away for less than its lease's 70 %.
    const settled = async () => (await both()).every((h) => h.redis === "answers") && (await both()).flatMap((h) => h.writes).length === 1;
    await waitFor(async () => (await settled()) || null, "both reach Redis, and one node writes", 10_000);

    const after = panels.map((panel) => orderOn(panel, 5));
    writeFileSync(path.join(dir, "data", "status.eot"), "5\n");
    for (const { order: next } of await Promise.all(after)) expect(next?.seq).toBe(order!.seq + 1);
    // Each panel held order 4, then order 5, and nothing else: the snapshots sent again on the way hold the same seq.
    for (const states of held) {
      const seqs = states.map(seqOf);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      expect([...new Set(seqs)]).toEqual([order!.seq, order!.seq + 1]);
    }
  });

  it("a panel behind a balancer whose node is killed reconnects to another, and holds the order given meanwhile", async () => {
    const nodes = [await node(), await node()];
    await waitFor(() => nodes.find((n) => n.logs.includes(WRITER)), "a writer", 10_000);
    const balancer = await startBalancer(nodes.map((n) => Number(new URL(n.url).port)));
    try {
      const { client: panel } = track.client(await connect(balancer.url, { reconnection: true, reconnectionDelay: 100 })); // as the panel, it reconnects
      const panels = async (n: ServerProcess) => /^chadburn_panels_connected (\d+)$/m.exec(await (await fetch(`${n.url}/metrics`)).text())?.[1];
      const counts = await Promise.all(nodes.map(panels));
      const its = nodes[counts.indexOf("1")];
      let connects = 0;
      panel.io.on("reconnect", () => connects++);
      process.kill(its.pid, "SIGKILL");
      const held = stateWhere(panel, (s) => s.order?.position === 6);
      writeFileSync(path.join(dir, "data", "status.eot"), "6\n"); // read by the writer: the other node, or the node still there once it takes over
      expect((await within(held, "order 6 on the moved panel", 15_000)).order?.seq).toBe(1);
      expect(connects).toBe(1);
    } finally {
      await balancer.close();
    }
  });
});
