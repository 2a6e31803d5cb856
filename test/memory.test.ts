// The server's memory across restarts and crashes, end to end: seq, history and answers come back
// from the store in the data folder (chadburn.db), a kill -9 in the middle of a burst leaves it
// readable with seq never going back, and a server starts from the previous version's journal.jsonl.
// The memory itself (the store, the journal's import, pruning) is server/store/memory.test.ts's.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Snapshot } from "../lib/protocol";
import { tempDir } from "./support/files";
import { getSnapshot } from "./support/http";
import { type Client, connect, onSnapshot, stateWhere } from "./support/panels";
import { spawnServer } from "./support/processes";
import { startServer } from "./support/server";
import { tracker } from "./support/track";
import { sleep, within } from "./support/wait";

const track = tracker();
afterEach(() => track.cleanup());

/** Under the per-connection limit of 10 a second: a person's pace, not a wait for an outcome. */
const PACE_MS = 110;

/**
 * Panels on machines of their own: the server believes the X-Forwarded-For that loopback sends,
 * so each panel has its own address and the limit per address (20 a second) is not all of theirs.
 */
const OWN_ADDRESSES = ["--trust-proxy", "loopback"];
const machine = (i: number) => ({ extraHeaders: { "x-forwarded-for": `10.0.0.${i + 1}` } });

/** Runs `start` with CHADBURN_ANONYMOUS set, which a spawned server inherits. */
async function withAnonymous<T>(role: string, start: () => Promise<T>): Promise<T> {
  const was = process.env.CHADBURN_ANONYMOUS;
  process.env.CHADBURN_ANONYMOUS = role;
  try {
    return await start();
  } finally {
    if (was === undefined) delete process.env.CHADBURN_ANONYMOUS;
    else process.env.CHADBURN_ANONYMOUS = was;
  }
}

describe("the memory", () => {
  it("a restart keeps seq, history, and who answered", async () => {
    const dir = track.dir(await tempDir());
    const first = track.server(await startServer({ dir }));
    const { client } = track.client(await connect(first.url));
    for (const [type, position, by] of [
      ["order", 7, "Ann"],
      ["answer", 7, "Bob"],
      ["order", 8, "Ann"],
      ["order", 9, "Cy"],
    ] as const) {
      expect(await client.emitWithAck(type, { position, by })).toEqual({ ok: true });
    }
    await first.stop();

    const again = track.server(await startServer({ dir }));
    const { first: restored } = track.client(await connect(again.url));
    expect(restored.order).toMatchObject({ position: 9, seq: 3, by: "Cy", source: "panel" });
    expect(restored.history.map((p) => [p.order.seq, p.order.label, p.answer?.by ?? null])).toEqual([
      [1, "COFFEE", "Bob"],
      [2, "LUNCH", null],
      [3, "EWW", null],
    ]);
  });

  it("an order written into the status file while the server was down is the next seq", async () => {
    const dir = track.dir(await tempDir());
    const first = track.server(await startServer({ dir }));
    const { client } = track.client(await connect(first.url));
    expect(await client.emitWithAck("order", { position: 7 })).toEqual({ ok: true });
    expect(await client.emitWithAck("order", { position: 8 })).toEqual({ ok: true });
    await first.stop();
    writeFileSync(first.statusFile, "11\n");
    const again = track.server(await startServer({ dir }));
    const { first: state } = track.client(await connect(again.url));
    expect(state.order).toMatchObject({ position: 11, seq: 3, source: "telegraph" });
  });

  it("40 panels answering 1,280 times, then SIGTERM and a restart: the order and its seq stay", { timeout: 60_000 }, async () => {
    const dir = track.dir(await tempDir());
    const server = track.server(await spawnServer(dir, { args: OWN_ADDRESSES }));
    const { client: watcher } = track.client(await connect(server.url));
    for (let n = 1; n <= 9; n++) {
      const taken = stateWhere(watcher, (s) => s.order?.seq === n);
      writeFileSync(server.statusFile, `${7 + ((n + 1) % 2)}\n`);
      await within(taken, `order #${n}`);
    }
    const panels: Client[] = [];
    for (let i = 0; i < 40; i++) panels.push(track.client(await connect(server.url, machine(i))).client);
    // Each panel names its own answerer and changes its answer every time: every answer takes effect.
    const replies = await Promise.all(
      panels.map(async (panel, i) => {
        const said = [];
        for (let n = 0; n < 32; n++) {
          said.push(await panel.emitWithAck("answer", { position: 7 + (n % 2), by: `panel ${i}` }));
          await sleep(PACE_MS);
        }
        return said;
      }),
    );
    expect(replies.flat().filter((r) => r.ok)).toHaveLength(1280);
    const before = await getSnapshot(server.url);
    expect(before.order).toMatchObject({ seq: 9, position: 7 });
    await server.stop("SIGTERM");

    const again = track.server(await startServer({ dir }));
    const { first: after } = track.client(await connect(again.url));
    expect(after.order).toEqual(before.order);
    expect(after.history).toEqual(before.history);
    expect(after.answer).toEqual(before.answer);
    expect(after.answered).toBe(before.answered);
  });

  // Server processes started and killed: slow on a loaded machine, hence the longer timeout.
  it("kill -9 during a burst of 1,000 orders and answers leaves a store that opens, and seq never goes back", { timeout: 90_000 }, async () => {
    const dir = track.dir(await tempDir());
    for (let round = 0; round < 2; round++) {
      const server = track.server(await withAnonymous("bridge", () => spawnServer(dir, { args: OWN_ADDRESSES }))); // panels may order too

      const panels: Client[] = [];
      for (let i = 0; i < 20; i++) panels.push(track.client(await connect(server.url, machine(i))).client);
      // The highest seq any panel was shown: a restart must not go below it.
      let seen = 0;
      for (const panel of panels) onSnapshot(panel, (s: Snapshot) => (seen = Math.max(seen, s.order?.seq ?? 0)));
      let given = 0;
      let running = true;
      // The telegraph writing orders every few milliseconds, and every panel ordering and answering at a person's limit.
      const telegraph = (async () => {
        for (let n = 0; running; n++, given++) {
          writeFileSync(server.statusFile, `${(n % 11) + 1}\n`);
          await sleep(3);
        }
      })();
      const clicking = panels.map(async (panel, i) => {
        for (let n = 0; running; n++) {
          const type = n % 2 ? "answer" : "order";
          const reply = await panel
            .timeout(2000)
            .emitWithAck(type, { position: ((n + i) % 11) + 1 })
            .catch(() => ({ ok: false }));
          if (reply.ok) given++;
          await sleep(PACE_MS);
        }
      });
      const killAt = 500 + round * 300;
      await within(
        new Promise<void>((resolve) => {
          const check = setInterval(() => given >= killAt && (clearInterval(check), resolve()), 5);
        }),
        "the burst under way",
        30_000,
      );
      await server.stop("SIGKILL");
      running = false;
      for (const panel of panels) panel.close();
      await Promise.all([telegraph, ...clicking]);

      const restarted = track.server(await startServer({ dir }));
      const { first: state } = track.client(await connect(restarted.url));
      expect(seen).toBeGreaterThan(0);
      expect(state.order?.seq ?? 0).toBeGreaterThanOrEqual(seen);
      const seqs = state.history.map((p) => p.order.seq);
      expect(state.order?.seq).toBe(seqs.at(-1));
      expect(seqs).toEqual(seqs.map((_, i) => seqs[0] + i)); // consecutive: no order lost in the middle
      await restarted.stop();
    }
  });

  it("the epoch: the same across a restart, another for a new data folder", async () => {
    const dir = track.dir(await tempDir());
    const first = track.server(await startServer({ dir }));
    const { first: before } = track.client(await connect(first.url));
    expect(before.epoch).toMatch(/^[0-9a-f]{32}$/);
    expect((await getSnapshot(first.url)).epoch).toBe(before.epoch);
    await first.stop();
    const again = track.server(await startServer({ dir }));
    expect(track.client(await connect(again.url)).first.epoch).toBe(before.epoch);
    const elsewhere = track.server(await startServer());
    expect(track.client(await connect(elsewhere.url)).first.epoch).not.toBe(before.epoch);
  });

  it("a data folder with the previous version's journal.jsonl: the server serves its last order and goes on from its seq", async () => {
    // How the journal is taken in (torn lines, set aside, once only): server/store/memory.test.ts.
    const dir = track.dir(await tempDir());
    const at = (n: number) => new Date(Date.UTC(2026, 0, 5, 9, n)).toISOString();
    const lines = [
      { order: { position: 7, name: "coffee", label: "COFFEE", seq: 40, at: at(1), source: "telegraph" } },
      { answer: { position: 7, at: at(2), seq: 40, by: "Bob" }, answerer: "name Bob" },
      { order: { position: 8, name: "lunch", label: "LUNCH", seq: 41, at: at(3), source: "panel", by: "Ann" } },
      { answer: { position: 6, at: at(4), seq: 41, by: "Cy" }, answerer: "name Cy" },
    ];
    writeFileSync(path.join(dir, "journal.jsonl"), `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);
    const server = track.server(await startServer({ dir }));
    const { client, first: state } = track.client(await connect(server.url));
    expect(state.order).toMatchObject({ seq: 41, position: 8, by: "Ann", source: "panel" });
    expect(state.answer).toEqual({ position: 6, at: at(4), seq: 41, by: "Cy" });
    expect(state.history.map((p) => [p.order.seq, p.answer?.by ?? null])).toEqual([
      [40, "Bob"],
      [41, null],
    ]);
    const next = stateWhere(client, (s) => s.order?.seq === 42);
    expect(await client.emitWithAck("order", { position: 9 })).toEqual({ ok: true });
    await within(next, "the next order, seq 42");
  });
});
