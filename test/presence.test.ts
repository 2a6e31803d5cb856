// Presence and receipts against a running server: panels say hello and report how each order
// reached them; everyone sees who is listening and "delivered to 3, rang on 1 …".
import { afterEach, describe, expect, it } from "vitest";
import type { Presence } from "../lib/protocol";
import { PRESENCE_EVENTS_PER_SECOND, PRESENCE_EVERY_MS } from "../server/gateway/presence";
import { getJson } from "./support/http";
import { type Client, connect, stateWhere } from "./support/panels";
import { startServer } from "./support/server";
import { tracker } from "./support/track";
import { within } from "./support/wait";

const track = tracker();
afterEach(() => track.cleanup());

/** The first `presence` this client receives (from now on) that satisfies the test. */
function presenceWhere(client: Client, test: (p: Presence) => boolean): Promise<Presence> {
  return within(
    new Promise((resolve) => {
      const check = (p: Presence) => test(p) && (client.off("presence", check), resolve(p));
      client.on("presence", check);
    }),
    "a presence that matches",
  );
}

async function panel(url: string, panel: string, name?: string): Promise<Client> {
  const { client } = track.client(await connect(url));
  expect(await client.emitWithAck("hello", { panel, name })).toEqual({ ok: true });
  return client;
}

describe("presence", () => {
  it("everyone sees who is listening, named or not, and who left and when; /api/state has it too", async () => {
    const server = track.server(await startServer());
    const ann = await panel(server.url, "ann-laptop", "Ann");
    await panel(server.url, "ann-phone1", "Ann");
    await panel(server.url, "unnamed-1");
    const bob = await panel(server.url, "bob-laptop", "Bob");
    const seen = await presenceWhere(ann, (p) => p.panels === 4 && p.people.length === 2);
    expect(seen).toMatchObject({
      panels: 4,
      unnamed: 1,
      people: [
        { name: "Ann", panels: 2 },
        { name: "Bob", panels: 1 },
      ],
    });

    const left = Date.now();
    bob.close();
    const after = await presenceWhere(ann, (p) => p.panels === 3);
    expect(after.people).toEqual([
      { name: "Ann", panels: 2, lastSeen: expect.any(String) },
      { name: "Bob", panels: 0, lastSeen: expect.any(String) },
    ]);
    expect(Math.abs(Date.parse(after.people[1].lastSeen) - left)).toBeLessThan(1000);

    const { body } = await getJson(`${server.url}/api/state`);
    expect(body.presence).toEqual({ ...after, people: [{ ...after.people[0], lastSeen: expect.any(String) }, after.people[1]] });
  });

  it(`a rush of 30 arrivals makes a presence message or two a second, not 30`, async () => {
    const server = track.server(await startServer());
    const { client: watcher } = track.client(await connect(server.url));
    await presenceWhere(watcher, (p) => p.panels === 1);
    let messages = 0;
    watcher.on("presence", () => messages++);
    const started = Date.now();
    await Promise.all(Array.from({ length: 30 }, (_, i) => panel(server.url, `rush-panel-${i}`, `P${i}`)));
    await presenceWhere(watcher, (p) => p.panels === 31 && p.people.length === 30);
    const seconds = (Date.now() - started) / PRESENCE_EVERY_MS;
    expect(messages).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
  });

  it("malformed hellos and receipts are refused with a reason and change nothing", async () => {
    const server = track.server(await startServer());
    const { client } = track.client(await connect(server.url));
    const cases: [string, unknown, RegExp][] = [
      ["hello", { panel: "short" }, /panel must be/],
      ["hello", { panel: "good-panel", name: "x".repeat(41) }, /name: at most 40/],
      ["hello", { panel: "good-panel", extra: 1 }, /unrecognized key/i],
      ["hello", null, /expected object/i],
      ["receipt", { seq: 1, heard: "rang" }, /say hello first/],
      ["receipt", { seq: 0, heard: "rang" }, /seq/],
      ["receipt", { seq: 1, heard: "loud" }, /heard/],
    ];
    for (const [event, payload, error] of cases) {
      const reply = await (client as unknown as { emitWithAck(e: string, p: unknown): Promise<unknown> }).emitWithAck(event, payload);
      expect(reply, `${event} ${JSON.stringify(payload)}`).toEqual({ ok: false, error: expect.stringMatching(error) });
    }
    expect((await getJson(`${server.url}/api/state`)).body.presence).toEqual({ panels: 1, unnamed: 1, people: [], receipts: null });
  });

  it(`past ${PRESENCE_EVENTS_PER_SECOND} hellos a second a panel is refused`, async () => {
    const server = track.server(await startServer());
    const { client } = track.client(await connect(server.url));
    const replies = await Promise.all(
      Array.from({ length: PRESENCE_EVENTS_PER_SECOND + 10 }, () => client.emitWithAck("hello", { panel: "flood-panel" })),
    );
    expect(replies.filter((r) => r.ok)).toHaveLength(PRESENCE_EVENTS_PER_SECOND);
    expect(replies.filter((r) => !r.ok)[0]).toEqual({ ok: false, error: expect.stringMatching(/too many requests/) });
  });
});

describe("receipts", () => {
  it('everyone sees how the order reached the panels: "delivered to 4, rang on 2, muted on 1, blocked on 1"', async () => {
    const server = track.server(await startServer());
    const panels = await Promise.all(
      ["p-ann-0001", "p-bob-0001", "p-cy-00001", "p-dee-0001"].map((id, i) => panel(server.url, id, ["Ann", "Bob", "Cy", "Dee"][i])),
    );
    const [ann] = panels;
    const ordered = Promise.all(panels.map((p) => stateWhere(p, (s) => s.order?.label === "COFFEE")));
    expect(await ann.emitWithAck("order", { position: "coffee", by: "Ann" })).toEqual({ ok: true });
    const seq = (await within(ordered, "the order on every panel"))[0].order!.seq;
    const heard = ["rang", "rang", "muted", "blocked"] as const;
    for (const [i, p] of panels.entries()) {
      expect(await p.emitWithAck("receipt", { seq, heard: "delivered" })).toEqual({ ok: true });
      // The panel asks for no reply to its receipts (useTelegraph.ts): they count all the same.
      if (i === 0) p.emit("receipt", { seq, heard: heard[i] });
      else expect(await p.emitWithAck("receipt", { seq, heard: heard[i] })).toEqual({ ok: true });
    }
    const seen = await presenceWhere(panels[3], (p) => p.receipts?.delivered === 4 && p.receipts.blocked === 1 && p.receipts.rang === 2);
    expect(seen.receipts).toEqual({ seq, delivered: 4, rang: 2, muted: 1, blocked: 1 });

    // The next order starts afresh; a late receipt for the old one is refused.
    await ann.emitWithAck("order", { position: "lunch" });
    expect(await ann.emitWithAck("receipt", { seq, heard: "rang" })).toEqual({ ok: false, error: `order ${seq} is not the current order` });
    const fresh = await presenceWhere(ann, (p) => p.receipts?.seq === seq + 1);
    expect(fresh.receipts).toEqual({ seq: seq + 1, delivered: 0, rang: 0, muted: 0, blocked: 0 });
  });
});
