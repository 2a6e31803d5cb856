// socket.io panels against a running server: every panel sees every change; bad and abusive
// clients get an error (or lose their own connection) and nobody else notices.
import { readFileSync, writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { MAX_MESSAGE_BYTES, type Reply, type Snapshot } from "../lib/protocol";
import { FLOOD_PER_SECOND } from "../server/gateway/flood";
import { EVENTS_PER_SECOND } from "../server/gateway/socket";
import { getJson, getSnapshot } from "./support/http";
import { type Client, connect, disconnected, expectNext, nextState, stateWhere } from "./support/panels";
import { startServer } from "./support/server";
import { spawnLines } from "./support/spawn";
import { tracker } from "./support/track";
import { within } from "./support/wait";

const track = tracker();
afterEach(() => track.cleanup());

async function setup() {
  const server = track.server(await startServer());
  const a = track.client(await connect(server.url));
  const b = track.client(await connect(server.url));
  return { server, a: a.client, b: b.client, first: a.first };
}

/** Sends an event and resolves with the very next state each client receives after it, and the reply. */
async function sendAndWatch(
  from: Client,
  type: "order" | "answer",
  request: unknown,
  clients: Client[],
): Promise<{ reply: Reply; states: Snapshot[] }> {
  const next = Promise.all(clients.map(nextState));
  const reply = await within(from.emitWithAck(type, request as never), `the reply to ${type} ${JSON.stringify(request)}`);
  return { reply, states: await within(next, `the state after ${type} ${JSON.stringify(request)}`) };
}

/** Emits without asking for a reply, as a careless client may. */
function fireAndForget(client: Client, type: "order" | "answer", payload: unknown): void {
  (client as unknown as { emit(type: string, payload: unknown): void }).emit(type, payload);
}

describe("panels", () => {
  it("both panels receive each change, whoever made it", async () => {
    const { server, a, b, first } = await setup();
    expect(first).toMatchObject({ order: null, answer: null, acknowledged: false });
    expect(first.face).toHaveLength(11);

    const o1 = await sendAndWatch(a, "order", { position: 7, by: "Ann" }, [a, b]);
    expect(o1.reply).toEqual({ ok: true });
    expect(o1.states[0]).toEqual(o1.states[1]);
    expect(o1.states[0].order).toMatchObject({ position: 7, label: "COFFEE", seq: 1, source: "panel", by: "Ann" });

    const a1 = await sendAndWatch(b, "answer", { position: "Coffee", by: "Bob" }, [a, b]);
    expect(a1.reply).toEqual({ ok: true });
    expect(a1.states[0]).toEqual(a1.states[1]);
    expect(a1.states[0]).toMatchObject({ answer: { position: 7, seq: 1, by: "Bob" }, acknowledged: true });
    expect(readFileSync(server.acceptFile, "utf8")).toBe("7\n");

    const o2 = await sendAndWatch(b, "order", { position: "battle-stations" }, [a, b]);
    expect(o2.reply).toEqual({ ok: true });
    expect(o2.states[0]).toEqual(o2.states[1]);
    expect(o2.states[0]).toMatchObject({ order: { position: 11, seq: 2, source: "panel" }, acknowledged: false });
    expect(o2.states[0].order).not.toHaveProperty("by");
    expect(await getSnapshot(server.url)).toEqual(o2.states[0]);
  });

  it("the same order again replies ok and changes nothing", async () => {
    const { server, a, b } = await setup();
    await sendAndWatch(a, "order", { position: 3 }, [a, b]);
    expect(await a.emitWithAck("order", { position: "slow", by: "Cy" })).toEqual({ ok: true });
    expect((await getSnapshot(server.url)).order).toMatchObject({ position: 3, seq: 1 });
    expect((await getSnapshot(server.url)).order).not.toHaveProperty("by");
    // The next state anyone sees is the next new order.
    const { states } = await sendAndWatch(b, "order", { position: 4 }, [a, b]);
    for (const s of states) expect(s.order).toMatchObject({ position: 4, seq: 2 });
  });
});

describe("malformed payloads get {ok: false, error} with a clear message and change nothing", () => {
  const cases: [string, unknown, RegExp][] = [
    ["position missing", { by: "Ann" }, /^position: .*(required|missing|number|name)/i],
    ["position {}", { position: {} }, /^position: .*(number|name)/i],
    ["position 7.5", { position: 7.5 }, /^position: /],
    ["by of 500 characters", { position: 7, by: "x".repeat(500) }, /^by: at most 40 characters$/],
    ["by a number", { position: 7, by: 5 }, /^by: /],
    ["by of 4,000 characters (10 KB would close the connection: over 4 KB)", { position: 7, by: "x".repeat(4000) }, /^by: at most 40 characters$/],
    ["by with a zero-width space", { position: 7, by: "A\u200Bnn" }, /^by: a name cannot hold control, zero-width/],
    ["by turned right to left", { position: 7, by: "\u202EnnA" }, /^by: a name cannot hold control, zero-width or direction-changing/],
    ["an extra field", { position: 7, shutdown: true }, /shutdown/],
    ["a string naming no position", { position: "full astern" }, /^unknown position "full astern": this face has 1 FULL, .*11 BATTLE STATIONS$/],
    ["an unknown number", { position: 99 }, /^unknown position 99: this face has 1 FULL/],
    ["null", null, /expected an object \{position, by\}, received null/],
    ["a bare number 99", 99, /expected an object \{position, by\}, received number/],
    ["a bare string", "coffee", /expected an object \{position, by\}, received string/],
  ];

  for (const [what, payload, message] of cases) {
    it(what, async () => {
      const { server, a, b } = await setup();
      await sendAndWatch(a, "order", { position: 1 }, [a, b]);
      const before = await getSnapshot(server.url);

      const reply = await a.emitWithAck("order", payload as never);
      expect(reply).toEqual({ ok: false, error: expect.any(String) });
      if (!reply.ok) expect(reply.error).toMatch(message);
      expect(await getSnapshot(server.url)).toEqual(before);

      // Nothing was broadcast for it, and both panels, the sender too, are still served.
      const { reply: ok, states } = await sendAndWatch(b, "order", { position: 2 }, [a, b]);
      expect(ok).toEqual({ ok: true });
      for (const s of states) expect(s.order).toMatchObject({ position: 2, seq: 2 });
    });
  }

  it("the same payloads as answers: refused, nothing written", async () => {
    const { server, a, b } = await setup();
    await sendAndWatch(a, "order", { position: 1 }, [a, b]);
    const before = await getSnapshot(server.url);
    for (const [what, payload] of cases.slice(0, EVENTS_PER_SECOND - 2)) {
      const reply = await a.emitWithAck("answer", payload as never);
      expect(reply.ok, what).toBe(false);
    }
    expect(await getSnapshot(server.url)).toEqual(before);
    expect(readFileSync(server.acceptFile, "utf8")).toBe("");
    const { states } = await sendAndWatch(b, "answer", { position: 1 }, [a, b]);
    for (const s of states) expect(s).toMatchObject({ answer: { position: 1, seq: 1 }, acknowledged: true });
  });

  it("events without a reply callback are handled, good or bad", async () => {
    const { server, a, b } = await setup();
    const next = Promise.all([nextState(a), nextState(b)]);
    fireAndForget(a, "order", { position: {} });
    fireAndForget(a, "order", null);
    fireAndForget(a, "order", { position: 6 });
    for (const s of await within(next, "the state after an order without a reply")) {
      expect(s.order).toMatchObject({ position: 6, seq: 1 });
    }
    expect((await getJson(`${server.url}/healthz`)).status).toBe(200);
  });
});

describe("abuse", () => {
  it(`a flood of 50 events at once: ${EVENTS_PER_SECOND} go through, the rest are refused; another panel is not held up`, async () => {
    const { server, a, b } = await setup();
    const flood = Promise.all(Array.from({ length: 50 }, (_, i) => a.emitWithAck("order", { position: 1 + (i % 2) })));
    const started = Date.now();
    const arrived = stateWhere(b, (s) => s.order?.position === 11);
    expect(await b.emitWithAck("order", { position: "battle stations" })).toEqual({ ok: true });
    await within(arrived, "B's order to reach B");
    expect(Date.now() - started).toBeLessThan(1000);

    const replies = await within(flood, "the replies to the flood");
    const refused = replies.filter((r) => !r.ok);
    expect(replies.filter((r) => r.ok)).toHaveLength(EVENTS_PER_SECOND);
    expect(refused).toHaveLength(50 - EVENTS_PER_SECOND);
    for (const r of refused) expect(r).toEqual({ ok: false, error: `too many requests: at most ${EVENTS_PER_SECOND} a second` });
    // The accepted ones alternated 1, 2, ...: each was a new order, and B's is in there somewhere.
    expect((await getSnapshot(server.url)).order?.seq).toBe(EVENTS_PER_SECOND + 1);
  });

  it(`10,000 orders as fast as a client can send: throttled, then cut off past ${FLOOD_PER_SECOND} a second; other panels as fast as without it`, async () => {
    const server = track.server(await startServer());
    const { client: watcher } = track.client(await connect(server.url));
    let written = 0;
    /**
     * The mean time from a status-file write to the watcher's state, over 20 writes: one scheduling
     * hiccup on a busy machine does not decide it (as it would the worst), and it stays steady where
     * writes this quick alternate between read at once and read after the file's quiet spell (a median
     * would jump between the two).
     */
    async function meanLatency(): Promise<number> {
      let total = 0;
      for (let i = 0; i < 20; i++) {
        const started = performance.now();
        await expectNext(watcher, () => writeFileSync(server.statusFile, `${(written++ % 11) + 1}\n`));
        total += performance.now() - started;
      }
      return total / 20;
    }
    const normal = await meanLatency();

    const said: string[] = [];
    const flooder = track.child(
      spawnLines([process.execPath, "--import", "tsx", "test/fixtures/flooder.ts", server.url, "10000"], (l) => said.push(l)),
    );
    await flooder.until(() => said.includes("connected"), "the flooder to connect");
    const flooded = await meanLatency();
    await flooder.until(() => said.some((l) => l.startsWith("disconnected")), "the flooder to be cut off", 10_000);
    expect(said.at(-1)).toBe("disconnected: io server disconnect");
    expect(server.logs.filter((l) => l.includes(`over ${FLOOD_PER_SECOND} messages in a second`))).toHaveLength(1);
    // Floored at 25 ms: two runs of a few milliseconds each differ by timer noise alone.
    expect(Math.max(flooded, 25), `mean ${flooded.toFixed(1)} ms flooded, ${normal.toFixed(1)} ms without`).toBeLessThanOrEqual(
      2 * Math.max(normal, 25),
    );
    expect(watcher.connected).toBe(true);
  });

  it(`a message over ${MAX_MESSAGE_BYTES} bytes closes only that panel's connection`, async () => {
    const { server, a, b } = await setup();
    await sendAndWatch(b, "order", { position: 5 }, [a, b]);
    const before = await getSnapshot(server.url);
    const gone = disconnected(a);
    fireAndForget(a, "order", { position: 8, by: "x".repeat(MAX_MESSAGE_BYTES + 100) });
    expect(await within(gone, "the big sender to be disconnected")).toMatch(/transport (close|error)/);
    expect(b.connected).toBe(true);
    expect(await getSnapshot(server.url)).toEqual(before);

    const { reply, states } = await sendAndWatch(b, "order", { position: 6 }, [b]);
    expect(reply).toEqual({ ok: true });
    expect(states[0].order).toMatchObject({ position: 6, seq: 2 });
    // New panels are served too.
    const { first } = track.client(await connect(server.url));
    expect(first).toEqual(states[0]);
  });
});

describe("shutdown", () => {
  it("every panel hears the bye before its connection closes, even with a broadcast still in flight", async () => {
    const server = track.server(await startServer());
    const panels = await Promise.all(Array.from({ length: 30 }, () => connect(server.url)));
    const heard = panels.map(({ client }) => {
      track.client({ client });
      let bye: string | undefined;
      client.on("bye", ({ reason }) => (bye = reason));
      return disconnected(client).then((reason) => ({ reason, bye }));
    });
    // An order just before closing: its state is still being written to every connection.
    fireAndForget(panels[0].client, "order", { position: 7 });
    await within(
      stateWhere(panels[0].client, (s) => s.order?.position === 7),
      "the order to reach the first panel",
    );
    await server.chadburn.close("server restarting");
    for (const outcome of await within(Promise.all(heard), "every panel to be disconnected")) {
      expect(outcome).toEqual({ reason: "transport close", bye: "server restarting" });
    }
  });
});
