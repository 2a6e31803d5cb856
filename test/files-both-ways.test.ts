// The status file and the accept file both ways against a running server: a panel's answer into
// the accept file, a panel's order into the status file (not read back as another), and a
// restart that starts from what the two files hold.
import { readFileSync, writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { q, sh } from "./support/files";
import { getSnapshot } from "./support/http";
import { connect, expectNext, nextOnEach, order, record, serverWithPanels, stateWhere } from "./support/panels";
import { startServer } from "./support/server";
import { tracker } from "./support/track";
import { within } from "./support/wait";

const track = tracker();
afterEach(() => track.cleanup());
const setup = (n?: number) => serverWithPanels(track, n);

describe("answers and orders from panels", () => {
  it("an answer lands in the accept file as 'N\\n' and acknowledges the order", async () => {
    const {
      server,
      clients: [a, b],
    } = await setup(2);
    await expectNext(a, () => writeFileSync(server.statusFile, "7\n"));
    const atB = stateWhere(b, (s) => s.answer !== null);
    expect(await a.emitWithAck("answer", { position: "coffee", by: "Ann" })).toEqual({ ok: true });
    expect(readFileSync(server.acceptFile, "utf8")).toBe("7\n");
    expect(await within(atB, "the answer on the other panel")).toMatchObject({ answer: { position: 7, seq: 1, by: "Ann" }, acknowledged: true });
  });

  it("an order from a panel is written to the status file, and not echoed back as a second order", async () => {
    const {
      server,
      clients: [a, b],
    } = await setup(2);
    await nextOnEach([a, b], () => writeFileSync(server.statusFile, "7\n"));
    const seen = [record(a), record(b)];
    expect(await a.emitWithAck("order", { position: "lunch", by: "Bob" })).toEqual({ ok: true });
    expect(readFileSync(server.statusFile, "utf8")).toBe("8\n");
    // Whatever the watcher makes of our own write, the next order any panel sees is the next one written.
    await nextOnEach([a, b], () => sh(`echo 3 > ${q(server.statusFile)}`));
    for (const states of seen) {
      expect(states.map((s) => s.order)).toMatchObject([
        { position: 8, seq: 2, source: "panel", by: "Bob" },
        { position: 3, seq: 3, source: "telegraph" },
      ]);
    }
  });
});

describe("restart", () => {
  async function restartWith(answer: number) {
    const {
      server,
      clients: [c],
    } = await setup();
    await expectNext(c, () => writeFileSync(server.statusFile, "7\n"));
    expect(await c.emitWithAck("answer", { position: answer })).toEqual({ ok: true });
    await server.stop();
    const again = track.server(await startServer({ dir: server.dir }));
    const { first } = track.client(await connect(again.url));
    return { again, first };
  }

  it("the snapshot on connect has the order and answer from the files, acknowledged when they match", async () => {
    const { again, first } = await restartWith(7);
    expect(first).toMatchObject({
      order: { position: 7, seq: 1, label: "COFFEE", source: "telegraph" },
      answer: { position: 7, seq: 1 },
      acknowledged: true,
    });
    expect(await getSnapshot(again.url)).toEqual(first);
  });

  it("an answer that does not match is restored, not acknowledged; the next write is seq 2", async () => {
    const { again, first } = await restartWith(8);
    expect(first).toMatchObject({ order: { position: 7, seq: 1 }, answer: { position: 8 }, acknowledged: false });
    const c = track.client(await connect(again.url)).client;
    const s = await expectNext(c, () => writeFileSync(again.statusFile, "2\n"));
    expect(s).toMatchObject({ order: order(2, 2), acknowledged: false });
  });
});
