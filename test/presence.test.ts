// Presence and receipts against a running server: panels say hello and report how each order
// reached them; everyone sees who is listening and "delivered to 3, rang on 1 …".
import { afterEach, describe, expect, it } from "vitest";
import type { Presence, Receipts } from "../lib/protocol";
import { PRESENCE_EVENTS_PER_SECOND, PRESENCE_EVERY_MS } from "../server/gateway/presence";
import { getJson } from "./support/http";
import { type Client, connect, lastPresence, stateWhere } from "./support/panels";
import { startServer } from "./support/server";
import { tracker } from "./support/track";
import { within } from "./support/wait";

const track = tracker();
afterEach(() => track.cleanup());

/**
 * The latest `presence` this client received, or the first it receives from now on, that
 * satisfies the test: one that shows what the test did came after it, however soon after (right
 * behind the last hello's reply, say).
 */
function presenceWhere(client: Client, test: (p: Presence) => boolean): Promise<Presence> {
  const latest = lastPresence(client);
  if (latest && test(latest)) return Promise.resolve(latest);
  return within(
    new Promise((resolve) => {
      const check = (p: Presence) => test(p) && (client.off("presence", check), resolve(p));
      client.on("presence", check);
    }),
    "a presence that matches",
  );
}

/** The first receipts this client is told (alone, or in a presence) from now on that satisfy the test. */
function receiptsWhere(client: Client, test: (r: Receipts | null) => boolean): Promise<Receipts | null> {
  return within(
    new Promise((resolve) => {
      const check = (r: Receipts | null) => test(r) && (client.off("receipts", check), client.off("presence", inPresence), resolve(r));
      const inPresence = (p: Presence) => check(p.receipts);
      client.on("receipts", check);
      client.on("presence", inPresence);
    }),
    "receipts that match",
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
    expect(await receiptsWhere(panels[3], (r) => r?.delivered === 4 && r.blocked === 1 && r.rang === 2)).toEqual({
      seq,
      delivered: 4,
      rang: 2,
      muted: 1,
      blocked: 1,
    });

    // The next order starts afresh; a late receipt for the old one is refused.
    await ann.emitWithAck("order", { position: "lunch" });
    expect(await ann.emitWithAck("receipt", { seq, heard: "rang" })).toEqual({ ok: false, error: `order ${seq} is not the current order` });
    expect(await ann.emitWithAck("receipt", { seq: seq + 1, heard: "delivered" })).toEqual({ ok: true });
    expect(await receiptsWhere(ann, (r) => r?.seq === seq + 1)).toEqual({ seq: seq + 1, delivered: 1, rang: 0, muted: 0, blocked: 0 });
  });

  it("receipts come alone, without the list of people, while nobody comes or goes", async () => {
    const server = track.server(await startServer());
    const panels = await Promise.all(["p-ann-0001", "p-bob-0001", "p-cy-00001"].map((id, i) => panel(server.url, id, ["Ann", "Bob", "Cy"][i])));
    const [ann] = panels;
    await presenceWhere(ann, (p) => p.people.length === 3); // everyone's hello is in the view sent
    const messages: string[] = [];
    ann.on("presence", () => messages.push("presence"));
    ann.on("receipts", () => messages.push("receipts"));
    const ordered = stateWhere(ann, (s) => s.order?.label === "EWW");
    expect(await ann.emitWithAck("order", { position: "eww" })).toEqual({ ok: true });
    const { seq } = (await ordered).order!;
    for (const p of panels) expect(await p.emitWithAck("receipt", { seq, heard: "delivered" })).toEqual({ ok: true });
    expect(await receiptsWhere(ann, (r) => r?.delivered === 3)).toEqual({ seq, delivered: 3, rang: 0, muted: 0, blocked: 0 });
    expect(messages.filter((m) => m === "presence")).toEqual([]);
  });
});
