// The server's memory across restarts and crashes: seq, history and answers come back from the
// journal in the data folder, and a kill -9 in the middle of a burst leaves it readable.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { connect, spawnServer, startServer, stateWhere, tempDir, tracker, within } from "./helpers";

const track = tracker();
afterEach(() => track.cleanup());

describe("the journal", () => {
  it("a restart keeps seq, history, and who answered", async () => {
    const dir = track.dir(await tempDir());
    const first = track.server(await startServer({ dir }));
    const { client } = track.client(await connect(first.url));
    for (const [type, position, by] of [["order", 7, "Ann"], ["answer", 7, "Bob"], ["order", 8, "Ann"], ["order", 9, "Cy"]] as const) {
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

  // Three server processes started and killed: slow on a loaded machine, hence the longer timeout.
  it("kill -9 during a burst of orders leaves a store the next start reads", { timeout: 60_000 }, async () => {
    const dir = track.dir(await tempDir());
    for (let round = 0; round < 3; round++) {
      const server = track.server(await spawnServer(dir));
      const { client } = track.client(await connect(server.url));
      // A telegraph writing orders every few milliseconds; the server dies somewhere in the middle.
      let writing = true;
      const burst = (async () => {
        for (let n = 0; writing; n++) {
          writeFileSync(path.join(dir, "status.eot"), `${(n % 11) + 1}\n`);
          await new Promise((resolve) => setTimeout(resolve, 3));
        }
      })();
      await within(stateWhere(client, (s) => (s.order?.seq ?? 0) > 30 + round * 17), "the burst under way");
      await server.stop("SIGKILL");
      writing = false;
      await burst;

      const restarted = track.server(await startServer({ dir }));
      const { first: state } = track.client(await connect(restarted.url));
      // The status file may be one order ahead of the journal: the server starts on the file's order.
      expect(state.order?.position).toBe(Number(readFileSync(restarted.statusFile, "utf8")));
      const seqs = state.history.map((p) => p.order.seq);
      expect(state.order?.seq).toBe(seqs.at(-1));
      expect(seqs).toEqual(seqs.map((_, i) => seqs[0] + i)); // consecutive: no entry lost in the middle
      await restarted.stop();
    }
  });
});
