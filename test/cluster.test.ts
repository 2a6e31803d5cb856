// Several nodes on Redis (issue 17), as processes on loopback sharing a data folder: an order from
// the telegraph reaches the panels of every node, an order given on a node that is not the writer
// reaches the status file, when the writer is killed another node takes over, and a writer stopped
// for longer than its lease writes nothing once it runs again.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { HistoryPage } from "../lib/history";
import type { Order, Snapshot } from "../lib/protocol";
import type { Healthz } from "../lib/routes";
import { type Client, connect, record, seqOf, stateWhere } from "./support/panels";
import { UNREACHABLE } from "../server/cluster/asks";
import type { ServerProcess } from "./support/processes";
import { startBalancer } from "./support/balancer";
import { NO_LONGER, WRITER, clusterSuite } from "./support/cluster";
import { waitFor, within } from "./support/wait";

// A data folder for each test's nodes; panels on WebSocket (connect's default), as behind a balancer.
const { track, redis, dir, node, startNodes, writerOf, panelOf, status } = clusterSuite();

/** Three nodes on the data folder and Redis, started at once. */
const threeNodes = () => startNodes(3);

/**
 * Whether the kernel holds bytes for `server` that it has not read, on a connection to its port
 * (/proc/net/tcp: the local address, the state 01 established, the receive queue): a stopped process reads none.
 */
async function unread(server: ServerProcess): Promise<boolean> {
  const port = `:${Number(new URL(server.url).port).toString(16).toUpperCase().padStart(4, "0")}`;
  const rows = (await readFile("/proc/net/tcp", "utf8")).trim().split("\n").slice(1);
  return rows
    .map((row) => row.trim().split(/\s+/))
    .some(([, local, , state, queues]) => local.endsWith(port) && state === "01" && !queues.endsWith(":00000000"));
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
    const nodes = await threeNodes();
    const writer = await writerOf(nodes);
    const others = nodes.filter((n) => n !== writer);
    const panels = await Promise.all(nodes.map((n) => panelOf(n)));
    // Each node says whether it reaches Redis and what it writes, in /healthz and /metrics.
    const health = async (n: ServerProcess) => ((await (await fetch(`${n.url}/healthz`)).json()) as Healthz).cluster;
    expect(await Promise.all(nodes.map(health))).toEqual(nodes.map((n) => ({ redis: "answers", writes: n === writer ? ["default"] : [] })));
    for (const n of nodes) expect((await fetch(`${n.url}/readyz`)).status).toBe(200); // each holds the telegraph's state
    // Each followed Redis from its start without a hitch (a node that read the snapshot before its gateway existed did not).
    expect(nodes.flatMap((n) => n.logs.filter((line) => line.startsWith("following")))).toEqual([]);
    const metrics = await (await fetch(`${others[0].url}/metrics`)).text();
    expect(metrics).toMatch(/^chadburn_redis_up 1$/m);
    expect(metrics).toMatch(/^chadburn_telegraph_writer\{telegraph="default"\} 0$/m);

    // From the telegraph: the writer reads the status file; every node's panels get the order.
    const seen = Promise.all(panels.map((panel) => orderOn(panel, 7)));
    status(7);
    const [w, ...o] = await seen;
    for (const { order } of o) expect(order).toEqual(w.order);

    // From a panel of a node that is not the writer: asked of the writer, who writes the status file.
    const all = Promise.all(panels.map((panel) => orderOn(panel, 8)));
    expect(await panels[nodes.indexOf(others[1])].emitWithAck("order", { position: 8 })).toEqual({ ok: true });
    for (const { order } of await all) expect(order?.seq).toBe(w.order!.seq + 1);
    await waitFor(async () => (await readFile(path.join(dir(), "data", "status.eot"), "utf8")) === "8\n" || null, "the status file holds 8");
    // Over HTTP too, answered with the writer's snapshot: the order it took, not the one before.
    const posted = await fetch(`${others[0].url}/api/order`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"position":3}',
    });
    expect(posted.status).toBe(200);
    expect(((await posted.json()) as Snapshot).order).toMatchObject({ position: 3, seq: w.order!.seq + 2 });

    // The writer killed: another node takes over within twice the lease (3 s), and reads the status file.
    const killed = performance.now();
    process.kill(writer.pid, "SIGKILL");
    await writerOf(others, 8000);
    expect(performance.now() - killed).toBeLessThan(6000 + 1000); // the node's own checks, besides
    const next = Promise.all(others.map((n) => orderOn(panels[nodes.indexOf(n)], 9)));
    status(9);
    for (const { order } of await next) expect(order?.seq).toBe(w.order!.seq + 3); // the store the nodes share: seq goes on
  });

  it("a writer stopped (SIGSTOP) for longer than its lease writes nothing once it runs again: one writer at a time, every seq once", async () => {
    const nodes = await threeNodes();
    const paused = await writerOf(nodes);
    const live = nodes.filter((n) => n !== paused);
    const panels = await Promise.all(nodes.map((n) => panelOf(n)));
    const held = panels.map(record);
    const onPaused = panels[nodes.indexOf(paused)];
    const onLive = panels.filter((panel) => panel !== onPaused);
    const first = Promise.all(panels.map((panel) => orderOn(panel, 4)));
    status(4);
    expect((await first).map(seqOf)).toEqual([1, 1, 1]);

    // Stopped (cleanup's SIGTERM comes with a SIGCONT): another node takes the lease once it runs out, and acts 70 % of it later.
    const stopped = performance.now();
    process.kill(paused.pid, "SIGSTOP");
    const writer = await writerOf(live);
    expect(performance.now() - stopped).toBeLessThan(6000 + 1000);
    // The telegraph's next order: the new writer takes it; the stopped node's watch of the status file has the change waiting too.
    const seven = Promise.all(onLive.map((panel) => orderOn(panel, 7)));
    status(7);
    expect((await seven).map(seqOf)).toEqual([2, 2]);
    // An order from a panel of the stopped node: in its socket's receive queue until it runs.
    const acked = onPaused.emitWithAck("order", { position: 2 });
    await waitFor(() => unread(paused), "the order in the stopped node's receive queue");
    expect(performance.now() - stopped).toBeGreaterThan(3000); // longer than the lease
    process.kill(paused.pid, "SIGCONT");

    // Awake, it acts on nothing (mayWrite, server/telegraphs.ts): the status file it reads is the new writer's to read, and
    // its panel's order is asked of the new writer (server/cluster/node.ts elsewhere), which takes it as seq 3.
    await waitFor(() => paused.logs.includes(NO_LONGER) || null, "the woken node to stop writing", 5000);
    expect(await within(acked, "the reply to the order given while its node was stopped")).toEqual({ ok: true });
    const last = 4;
    const after = Promise.all(panels.map((panel) => orderOn(panel, 5)));
    expect(await onPaused.emitWithAck("order", { position: 5 })).toEqual({ ok: true });
    expect((await after).map(seqOf)).toEqual([last, last, last]);
    await waitFor(async () => (await readFile(path.join(dir(), "data", "status.eot"), "utf8")) === "5\n" || null, "the status file holds 5");
    const writers = (n: ServerProcess) => n.logs.filter((line) => line === WRITER).length;
    expect(nodes.map(writers)).toEqual(nodes.map((n) => (n === paused || n === writer ? 1 : 0))); // the woken node did not take the lease back

    // Never two writers. Each panel held each seq as one order, the same on every panel, and never a seq after a
    // greater one; the live nodes' panels held every one.
    const orders = [
      [1, 4],
      [2, 7],
      [3, 2],
      [last, 5],
    ];
    const bySeq = new Map<number, string>();
    for (const states of held) {
      const seqs = states.map(seqOf);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      for (const { order } of states) {
        const as = JSON.stringify(order);
        if (order) expect(bySeq.get(order.seq) ?? as).toBe(as);
        if (order) bySeq.set(order.seq, as);
      }
    }
    for (const panel of onLive) expect([...new Set(held[panels.indexOf(panel)].map(seqOf))]).toEqual(orders.map(([seq]) => seq));
    const given = [...bySeq.values()].map((as) => JSON.parse(as) as Order).sort((x, y) => x.seq - y.seq);
    expect(given.map((o) => [o.seq, o.position])).toEqual(orders);
    // The store holds those orders, and no other: a seq the woken node gave again would be a second order row with it,
    // which a page (one order a seq) shows as one, but not as the last page of as many orders.
    const history = async (query: string) => (await (await fetch(`${writer.url}/api/telegraphs/default/history?${query}`)).json()) as HistoryPage;
    const stamp = ({ seq, position, at }: { seq: number; position: number; at: string }) => ({ seq, position, at });
    expect((await history("limit=500")).orders.map(stamp).reverse()).toEqual(given.map(stamp));
    expect((await history(`limit=${orders.length}`)).next).toBeNull();
  });

  it("come back with Redis: panels told their updates are paused meanwhile, one writer after, no seq lost, twice or out of order", async () => {
    const [a, b] = [await node(), await node()];
    await writerOf([a, b]);
    const panels = [await panelOf(a), await panelOf(b)];
    const held = panels.map(record);
    const told = panels.map((panel) => {
      const pauses: (string | null)[] = [];
      panel.on("paused", (since) => pauses.push(since));
      return pauses;
    });
    const before = orderOn(panels[1], 4);
    status(4);
    const { order } = await before;

    const killed = Date.now();
    redis().process().kill("SIGKILL");
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

    await redis().restart();
    await waitFor(() => told.every((pauses) => pauses.length === 2) || null, "both panels told they are live again", 10_000);
    expect(told.map((pauses) => pauses[1])).toEqual([null, null]);
    // The writer again, or the other node after it: the writer stays if Redis was away for less than its lease's 70 %.
    const settled = async () => (await both()).every((h) => h.redis === "answers") && (await both()).flatMap((h) => h.writes).length === 1;
    await waitFor(async () => (await settled()) || null, "both reach Redis, and one node writes", 10_000);

    const after = panels.map((panel) => orderOn(panel, 5));
    status(5);
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
    await writerOf(nodes);
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
      status(6); // read by the writer: the other node, or the node still there once it takes over
      expect((await within(held, "order 6 on the moved panel", 15_000)).order?.seq).toBe(1);
      expect(connects).toBe(1);
    } finally {
      await balancer.close();
    }
  });
  it("the writer stopped with SIGTERM hands over: its panel, told, reconnects to the other node, which writes within the lease", async () => {
    const nodes = await startNodes(2);
    const writer = await writerOf(nodes);
    const other = nodes.find((n) => n !== writer)!;
    const balancer = await startBalancer([writer, other].map((n) => Number(new URL(n.url).port))); // the first connection to the writer
    try {
      const { client: panel } = track.client(await connect(balancer.url, { reconnection: true, reconnectionDelay: 100 }));
      const bye = new Promise((resolve) => panel.once("bye", resolve));
      const stopped = performance.now();
      const exited = writer.stop(); // SIGTERM
      await within(bye, "the panel told its node is going");
      await waitFor(() => other.logs.includes(WRITER) || null, "the other node writes", 8000);
      // It gave the lease up: the other takes it at its next try and acts 70 % of the lease later, not after it expired.
      expect(performance.now() - stopped).toBeLessThan(3000 + 1000);
      await exited;
      const held = stateWhere(panel, (s) => s.order?.position === 6);
      status(6);
      expect((await within(held, "order 6 on the moved panel", 10_000)).order?.seq).toBe(1);
    } finally {
      await balancer.close();
    }
  });
});
