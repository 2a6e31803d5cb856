// Orders that insist, against a real server: an order that expires leaves every panel (and
// late joiners never get it), and one that needs everyone counts the panels listening.
import { writeFile } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import type { Face } from "../lib/protocol";
import { getSnapshot } from "./support/http";
import { connect, stateWhere } from "./support/panels";
import { startServer } from "./support/server";
import { tracker } from "./support/track";
import { sleep, within } from "./support/wait";

const track = tracker();
afterEach(() => track.cleanup());

const FACE: Face = [
  { position: 1, name: "tea", label: "TEA", expires: 1 },
  { position: 2, name: "all-hands", label: "ALL HANDS", quorum: "everyone" },
  { position: 3, name: "meeting", label: "MEETING", quorum: 2 },
  { position: 4, name: "stop", label: "STOP" },
];

describe("orders that insist", () => {
  it("an order that expires is cleared on every panel on time; a late joiner never gets it", async () => {
    const server = track.server(await startServer({ face: FACE }));
    const { client } = track.client(await connect(server.url));
    const given = stateWhere(client, (s) => s.order?.position === 1);
    await writeFile(server.statusFile, "1\n");
    const order = (await within(given, "the order")).order!;
    expect(Date.parse(order.expires!) - Date.parse(order.at)).toBe(1000);
    const cleared = await within(
      stateWhere(client, (s) => s.order === null),
      "the order to expire",
      3000,
    );
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(order.expires!));
    expect(cleared.history.at(-1)).toMatchObject({ order: { seq: 1 }, expired: expect.any(String) });
    expect((await getSnapshot(server.url)).order).toBeNull();
    const late = track.client(await connect(server.url));
    expect(late.first.order).toBeNull();
    expect(server.logs).toContain("order #1 expired");
  });

  it("an order that expired while the server was down is cleared when it starts again", async () => {
    const first = await startServer({ face: FACE });
    const { client } = await connect(first.url);
    expect(await client.emitWithAck("order", { position: "tea" })).toEqual({ ok: true });
    client.close();
    await first.stop();
    await sleep(1100); // the scenario: the server is down past the order's time
    const again = track.server(await startServer({ dir: first.dir, face: FACE }));
    const { client: panel, first: snapshot } = track.client(await connect(again.url));
    // At once, or a moment after start: never an order that is over.
    if (snapshot.order)
      await within(
        stateWhere(panel, (s) => s.order === null),
        "the stale order to go",
      );
    expect((await getSnapshot(again.url)).history.at(-1)?.expired).toEqual(expect.any(String));
  });

  it("an order for everyone needs an answer from each panel listening when it was given", async () => {
    const server = track.server(await startServer({ face: FACE }));
    const [a, b] = [track.client(await connect(server.url)), track.client(await connect(server.url))];
    for (const [panel, n] of [
      [a, 1],
      [b, 2],
    ] as const)
      expect(await panel.client.emitWithAck("hello", { panel: `panel-${n}-abcdef` })).toEqual({ ok: true });
    expect(await a.client.emitWithAck("order", { position: 2 })).toEqual({ ok: true });
    expect((await getSnapshot(server.url)).order).toMatchObject({ position: 2, required: 2 });
    expect(await a.client.emitWithAck("answer", { position: 2 })).toEqual({ ok: true });
    expect(await getSnapshot(server.url)).toMatchObject({ acknowledged: false, answered: 1 });
    expect(await a.client.emitWithAck("answer", { position: 2 })).toEqual({ ok: true }); // the same panel again counts once
    expect((await getSnapshot(server.url)).answered).toBe(1);
    expect(await b.client.emitWithAck("answer", { position: 2 })).toEqual({ ok: true });
    expect(await getSnapshot(server.url)).toMatchObject({ acknowledged: true, answered: 2 });
  });

  it("an order that needs two answers counts panels, not clicks nor the names typed on them", async () => {
    const server = track.server(await startServer({ face: FACE }));
    const [a, b] = [track.client(await connect(server.url)), track.client(await connect(server.url))];
    expect(await a.client.emitWithAck("order", { position: "meeting" })).toEqual({ ok: true });
    expect(await a.client.emitWithAck("answer", { position: 3, by: "Ann" })).toEqual({ ok: true });
    expect(await a.client.emitWithAck("answer", { position: 3, by: "Ann" })).toEqual({ ok: true });
    expect(await a.client.emitWithAck("answer", { position: 3, by: "Bob" })).toEqual({ ok: true });
    expect(await getSnapshot(server.url)).toMatchObject({ acknowledged: false, answered: 1 });
    expect(await b.client.emitWithAck("answer", { position: 3, by: "Bob" })).toEqual({ ok: true });
    expect(await getSnapshot(server.url)).toMatchObject({ acknowledged: true, answered: 2 });
  });
});
