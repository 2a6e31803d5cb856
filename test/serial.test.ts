// The serial link through a real pseudo-terminal: socat makes the pair, the real server opens one
// end as its device (with its real timing: PING every 1.5 s, gone after 4 s of silence), and the
// test plays the telegraph on the other end, byte by byte.
import { readFile } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import type { Snapshot } from "../lib/protocol";
import { SERIAL_TIMING } from "../server/links/serial-link";
import { openEnd } from "../sim/pty";
import { ptyPair } from "./support/files";
import { getJson, getSnapshot } from "./support/http";
import { connect, seqOf, stateWhere, statesDuring } from "./support/panels";
import { startServer } from "./support/server";
import { Telegraph } from "./support/telegraph-end";
import { tracker } from "./support/track";
import { waitFor, within } from "./support/wait";

const track = tracker();
afterEach(() => track.cleanup());

const connected = (s: Snapshot) => s.telegraph.connected;

/**
 * A pty pair, its telegraph end open before the server opens the device (a Teensy is there
 * first), and two panels; the telegraph says HELLO and is connected, as a Teensy is when a host
 * opens its port.
 */
async function setup() {
  const pty = track.pty(await ptyPair());
  const telegraph = new Telegraph(openEnd(pty.b));
  const server = track.server(await startServer({ serial: pty.a }));
  const a = track.client(await connect(server.url));
  const b = track.client(await connect(server.url));
  const spoken = stateWhere(a.client, (s) => s.telegraph.name === "chadburn-test");
  await telegraph.write("HELLO chadburn-test 1.0\n");
  const first = await within(spoken, "the telegraph's HELLO");
  return { pty, telegraph, server, a: a.client, b: b.client, first };
}

describe("the telegraph over a serial line", () => {
  it("is connected once it speaks, and its HELLO names it", async () => {
    const { pty, telegraph, server, a, first } = await setup();
    expect(first.telegraph).toEqual({
      link: "serial",
      connected: true,
      since: expect.any(String),
      device: pty.a,
      name: "chadburn-test",
      firmware: "1.0",
    });
    const renamed = stateWhere(a, (s) => s.telegraph.name === "chadburn-eot");
    await telegraph.write("HELLO chadburn-eot 1.2.0\n");
    expect((await within(renamed, "the new HELLO in a snapshot")).telegraph).toEqual({
      link: "serial",
      connected: true,
      since: first.telegraph.since,
      device: pty.a,
      name: "chadburn-eot",
      firmware: "1.2.0",
    });
    expect((await getJson(`${server.url}/healthz`)).body.links).toContainEqual({ link: "serial", state: "connected", at: pty.a });
  });

  it("an order line reaches every panel as the next seq, from the telegraph, and the status file", async () => {
    const { telegraph, server, a, b, first } = await setup();
    for (const [line, position, seq] of [
      ["ORDER 7\n", 7, 1],
      ["8\n", 8, 2],
    ] as const) {
      const got = Promise.all([a, b].map((c) => stateWhere(c, (s) => s.order?.position === position)));
      await telegraph.write(line);
      for (const s of await within(got, `order ${position} on both panels`)) {
        expect(s.order).toMatchObject({ position, seq: seqOf(first) + seq, source: "telegraph" });
      }
    }
    await waitFor(async () => (await readFile(server.statusFile, "utf8")) === "8\n", "8 in the status file");
  });

  it("an answer from a panel goes down the line as ANSWER; the telegraph's own order does not come back", async () => {
    const { telegraph, a } = await setup();
    const got = stateWhere(a, (s) => s.order?.position === 7);
    await telegraph.write("ORDER 7\n");
    await within(got, "order 7");
    expect(await a.emitWithAck("answer", { position: "coffee", by: "Ann" })).toEqual({ ok: true });
    await telegraph.line("ANSWER 7");
    // Lines arrive in the order they were sent: an echo of ORDER 7 would have come first.
    expect(telegraph.heard).toEqual(["ANSWER 7"]);
  });

  it("an order from a panel goes down the line as ORDER and into the status file", async () => {
    const { telegraph, server, b } = await setup();
    expect(await b.emitWithAck("order", { position: "lunch", by: "Bob" })).toEqual({ ok: true });
    await telegraph.line("ORDER 8");
    expect(await readFile(server.statusFile, "utf8")).toBe("8\n");
  });

  it("ignores garbage, over-long lines and the tail of one, reads split and CRLF lines", async () => {
    const { telegraph, server, a, first } = await setup();
    const seen: Snapshot[] = [];
    const got = stateWhere(a, (s) => s.order?.position === 4, seen);
    await telegraph.write(Buffer.from("COFFEE\n\x00\x01\xff\nORDER 1000\nHELLO\nANSWER 3\nPONG extra\n", "latin1"));
    await telegraph.write(`${"x".repeat(1000)}\n${"y".repeat(992)}ORDER 5\n`); // the tail looks like an order, and is not one
    await telegraph.write("ORDER 4\n");
    await within(got, "order 4 after the garbage");
    expect(seen.map((s) => s.order?.position)).toEqual([4]);
    expect(seen[0].order!.seq).toBe(seqOf(first) + 1);
    expect(server.logs).toEqual(
      expect.arrayContaining([
        expect.stringContaining('ignored "COFFEE": unknown'),
        expect.stringContaining('ignored "ORDER 1000": bad-number'),
        expect.stringContaining('ignored "HELLO": bad-hello'),
        expect.stringContaining('ignored "ANSWER 3": not for the server'),
        expect.stringContaining("dropped a line over 64 bytes"),
      ]),
    );

    await telegraph.write("ORD");
    // Half a line is nothing yet: the pause before the rest shows no new state.
    expect(await statesDuring(a, 200)).toEqual([]);
    const split = stateWhere(a, (s) => s.order?.position === 9);
    await telegraph.write("ER 9\n");
    expect((await within(split, "order 9 from a split line")).order!.seq).toBe(seqOf(first) + 2);

    const crlf = stateWhere(a, (s) => s.order?.position === 6 && s.telegraph.name === "crlf-telegraph");
    await telegraph.write("ORDER 6\r\nHELLO crlf-telegraph 2.0\r\n");
    expect((await within(crlf, "order 6 and HELLO over CRLF")).telegraph).toMatchObject({ connected: true, firmware: "2.0" });
  });

  it("a burst of 1,000 orders: every panel ends on the last, each one counted, and the server keeps answering", async () => {
    const { telegraph, server, a, b, first } = await setup();
    const orders = Array.from({ length: 1000 }, (_, i) => (i % 2 ? 4 : 3)); // alternating, so each is new; the last is 4
    const last = seqOf(first) + orders.length;
    const done = Promise.all([a, b].map((c) => stateWhere(c, (s) => seqOf(s) === last)));
    const started = stateWhere(a, (s) => seqOf(s) > seqOf(first));
    const sent = telegraph.write(orders.map((p) => `ORDER ${p}\n`).join(""));
    await within(started, "the burst's first order");
    // The burst is still being written into the status file, one atomic write after another.
    const asked = Date.now();
    expect((await getJson(`${server.url}/api/state`)).status).toBe(200);
    expect(Date.now() - asked).toBeLessThan(1000);
    await sent;
    for (const s of await within(done, "the 1,000th order on both panels", 15_000)) expect(s.order).toMatchObject({ position: 4, seq: last });
    expect((await getSnapshot(server.url)).order).toMatchObject({ position: 4, seq: last });
  });
});

describe("presence", () => {
  it("a telegraph that stops answering PING is disconnected within 5 s, and connected again when it answers", async () => {
    const { pty, telegraph, a } = await setup();
    expect(await a.emitWithAck("answer", { position: 7 })).toEqual({ ok: true });
    await telegraph.line("ANSWER 7");
    const heard = telegraph.heard.length;

    const gone = stateWhere(a, (s) => !connected(s));
    const muted = Date.now();
    telegraph.answering = false;
    expect((await within(gone, "telegraph.connected false", 5000)).telegraph).toMatchObject({ link: "serial", connected: false, device: pty.a });
    expect(Date.now() - muted).toBeLessThan(5000);

    const back = stateWhere(a, connected);
    telegraph.answering = true;
    await within(back, "telegraph.connected true again", 10_000);
    await telegraph.line("ANSWER 7", heard); // the current answer, said again on the new connection
    // Answering, it stays connected through more than a whole silence.
    const states = await statesDuring(a, SERIAL_TIMING.silenceMs + SERIAL_TIMING.pingMs);
    expect(states.filter((s) => !connected(s))).toEqual([]);
  });

  it("the device vanishing (socat killed) is a disconnect; recreated at the same path, it reconnects and hears the answer", async () => {
    const { pty, a } = await setup();
    expect(await a.emitWithAck("answer", { position: 9 })).toEqual({ ok: true });
    const gone = stateWhere(a, (s) => !connected(s));
    await pty.stop();
    await within(gone, "telegraph.connected false", 5000);

    const again = track.pty(await ptyPair(pty.dir));
    expect(again.a).toBe(pty.a);
    const back = stateWhere(a, connected);
    const telegraph = new Telegraph(openEnd(again.b));
    // The server retries with growing delays of at most 5 s.
    expect((await within(back, "telegraph.connected true again", 10_000)).telegraph).toMatchObject({ device: pty.a });
    await telegraph.line("ANSWER 9");
  });
});
