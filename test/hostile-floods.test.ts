// Floods and fakes from people who have not signed in, against real servers with real socket.io
// connections: one address (an IPv6 /64) may hold only so many connections and send only so many
// orders and answers, however many connections carry them; an answer that changes nothing is not
// kept; answers count per panel, never per name typed; nobody takes the name of an account without
// signing in as it; an order for everyone counts people, not sockets; an order takes so many
// answerers and no more.
import { IncomingMessage } from "node:http";
import { Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { Face } from "../lib/protocol";
import { CONNECTIONS_PER_ADDRESS } from "../server/gateway/flood";
import { addressGroup, clientInfo } from "../server/gateway/address";
import { ADDRESS_EVENTS_PER_SECOND, EVENTS_PER_SECOND } from "../server/gateway/socket";
import { MAX_ANSWERERS, initial, snapshot, step } from "../server/telegraph/telegraph";
import { auditOf } from "./support/accounts";
import { getJson, getSnapshot, postJson } from "./support/http";
import { type Client, connect, refusedConnection } from "./support/panels";
import { token } from "./support/secrets";
import { type TestServer, startServer } from "./support/server";
import { tracker } from "./support/track";
import { waitFor } from "./support/wait";

const track = tracker();
afterEach(() => track.cleanup());

const FACE: Face = [
  { position: 1, name: "muster", label: "MUSTER", quorum: 5 },
  { position: 2, name: "all-hands", label: "ALL HANDS", quorum: "everyone" },
  { position: 3, name: "stop", label: "STOP" },
];

/** Connects `n` panels at once. */
const panels = (url: string, n: number, options = {}) =>
  Promise.all(Array.from({ length: n }, () => connect(url, options).then((p) => track.client(p).client)));

/** Says hello as the panel of a browser tab (an id the server keeps), with a name or none. */
const hello = (client: Client, panel: string, name?: string) =>
  client.emitWithAck("hello", { panel: `tab-${panel}-0123456789`, ...(name && { name }) });

const panelsListening = async (server: TestServer) => (await getJson(`${server.url}/api/state`)).body.presence.panels as number;

const borrowed = (name: string) =>
  `${JSON.stringify(name)} is the name of someone who signs in here: sign in as them to use it, or choose another name`;

describe("floods from one address", () => {
  it(`one address may have ${CONNECTIONS_PER_ADDRESS} connections open; the next is refused saying why, and a slot frees when one closes`, async () => {
    const server = track.server(await startServer());
    const open = await panels(server.url, CONNECTIONS_PER_ADDRESS);
    const why = `too many connections from 127.0.0.1: at most ${CONNECTIONS_PER_ADDRESS} at once from one address`;
    expect((await refusedConnection(server.url)).message).toBe("websocket error");
    expect(await refusedConnection(server.url, { transports: ["polling"] })).toMatchObject({ message: "xhr poll error", description: 403 });
    expect(await getJson(`${server.url}/socket.io/?EIO=4&transport=polling`)).toMatchObject({ status: 403, body: { code: 4, message: why } });
    expect(server.logs.filter((l) => l.startsWith("connections from 127.0.0.1 refused"))).toHaveLength(1); // once, not per refusal
    expect(await panelsListening(server)).toBe(CONNECTIONS_PER_ADDRESS);

    open[0].close();
    await waitFor(async () => (await panelsListening(server)) === CONNECTIONS_PER_ADDRESS - 1, "the closed panel to be gone");
    track.client(await connect(server.url));
    expect(await panelsListening(server)).toBe(CONNECTIONS_PER_ADDRESS);
  });

  it("an IPv6 address counts with its whole /64: another address in it is no way around the limit, another /64 is", async () => {
    // Behind a trusted proxy, each connection comes from the address the proxy names.
    const server = track.server(await startServer({ trustProxy: ["loopback"] }));
    const from = (address: string) => ({ extraHeaders: { "x-forwarded-for": address } });
    await Promise.all(
      Array.from({ length: CONNECTIONS_PER_ADDRESS }, (_, i) => connect(server.url, from(`2001:db8:1:2::${i + 1}`)).then(track.client)),
    );
    expect((await refusedConnection(server.url, from("2001:db8:1:2:ffff:ffff:ffff:ffff"))).message).toBe("websocket error");
    const refused = await getJson(`${server.url}/socket.io/?EIO=4&transport=polling`, { headers: from("2001:db8:1:2:abcd::9").extraHeaders });
    expect(refused).toMatchObject({
      status: 403,
      body: { message: `too many connections from 2001:db8:1:2::/64: at most ${CONNECTIONS_PER_ADDRESS} at once from one address` },
    });
    track.client(await connect(server.url, from("2001:db8:1:3::1")));
    track.client(await connect(server.url, from("198.51.100.7")));
  });

  it(
    `orders and answers: at most ${ADDRESS_EVENTS_PER_SECOND} a second from ` +
      `one address, however many connections carry them; the rest change nothing`,
    async () => {
      const server = track.server(await startServer());
      const five = await panels(server.url, 5);
      // Each panel under its own limit, and each answer news (the positions alternate): 40 at once.
      const each = EVENTS_PER_SECOND - 2;
      const replies = await Promise.all(
        five.flatMap((client) => Array.from({ length: each }, (_, i) => client.emitWithAck("answer", { position: i % 2 ? 7 : 8 }))),
      );
      const refused = {
        ok: false,
        error: `too many requests from 127.0.0.1: at most ${ADDRESS_EVENTS_PER_SECOND} orders and answers a second from one address`,
      };
      expect(replies.filter((r) => r.ok)).toHaveLength(ADDRESS_EVENTS_PER_SECOND);
      expect(replies.filter((r) => !r.ok)).toEqual(Array(5 * each - ADDRESS_EVENTS_PER_SECOND).fill(refused));
      expect(auditOf(server).filter((e) => e.action === "answer")).toHaveLength(ADDRESS_EVENTS_PER_SECOND);
    },
  );

  it("an answer that changes nothing (the same panel, the same position) is neither kept nor audited, whatever name it types", async () => {
    const server = track.server(await startServer());
    const first = track.client(await connect(server.url)).client;
    expect(await hello(first, "deck")).toEqual({ ok: true });
    expect(await first.emitWithAck("order", { position: 7 })).toEqual({ ok: true });
    for (const by of ["sailor1", "sailor2", "sailor3", "sailor1", undefined])
      expect(await first.emitWithAck("answer", { position: 7, by })).toEqual({ ok: true });
    // The same tab again after a reconnect is the same answerer.
    first.close();
    const again = track.client(await connect(server.url)).client;
    expect(await hello(again, "deck")).toEqual({ ok: true });
    expect(await again.emitWithAck("answer", { position: 7, by: "sailor4" })).toEqual({ ok: true });
    expect(auditOf(server).filter((e) => e.action === "answer")).toEqual([
      {
        at: expect.any(String),
        who: "anonymous (typed: sailor1)",
        address: "127.0.0.1",
        action: "answer",
        detail: "answer 7 to order #1 (acknowledged)",
      },
    ]);
    expect((await getSnapshot(server.url)).answer).toMatchObject({ position: 7, by: "sailor1" });
  });
});

describe("quorums and names without signing in", () => {
  it("one panel answering under five names is one answerer: a quorum of 5 stays unmet, and the admin's name is refused", async () => {
    const server = track.server(await startServer({ face: FACE }));
    const { client } = track.client(await connect(server.url));
    expect(await client.emitWithAck("order", { position: "muster" })).toEqual({ ok: true });
    expect(await client.emitWithAck("answer", { position: 1, by: "admin" })).toEqual({ ok: false, error: borrowed("admin") });
    for (const by of ["sailor1", "sailor2", "sailor3", "sailor4", "sailor5"])
      expect(await client.emitWithAck("answer", { position: 1, by })).toEqual({ ok: true });
    expect(await getSnapshot(server.url)).toMatchObject({ order: { required: 5 }, acknowledged: false, answered: 1 });
    // Over the API too: an address is one answerer, and the admin's name is not to be had.
    expect(await postJson(`${server.url}/api/answer`, { position: 1, by: " ADMIN " })).toMatchObject({
      status: 403,
      body: { error: borrowed("ADMIN") },
    });
    for (const by of ["sailor6", "sailor7"]) expect((await postJson(`${server.url}/api/answer`, { position: 1, by })).status).toBe(200);
    expect(await getSnapshot(server.url)).toMatchObject({ acknowledged: false, answered: 2 });
    expect(
      auditOf(server)
        .filter((e) => e.action === "answer")
        .map((e) => [e.who, e.detail]),
    ).toEqual([
      ["anonymous (typed: sailor1)", "answer 1 to order #1"],
      ["anonymous (typed: sailor6)", "answer 1 to order #1"],
    ]);
  });

  it("the name of a person or a token, in any case and spacing, is refused to anyone not signed in as it: in answers, orders and hello", async () => {
    const server = track.server(await startServer({ face: FACE }));
    const kettle = token(server, "Kettle Bot", "bridge");
    const owner = track.client(await connect(server.url, { auth: { token: kettle } })).client;
    expect(await hello(owner, "kettle")).toEqual({ ok: true });
    const { client } = track.client(await connect(server.url));
    for (const [event, payload, name] of [
      ["answer", { position: 3, by: "Ad Min" }, "Ad Min"],
      ["order", { position: 3, by: "kettlebot" }, "kettlebot"],
      ["hello", { panel: "tab-mallory-0123456789", name: "KETTLE  BOT" }, "KETTLE  BOT"],
    ] as const) {
      const refusal = name === "Ad Min" ? borrowed(name) : `${JSON.stringify(name)} is the name of an API token: choose another name`;
      expect(await client.emitWithAck(event, payload as never), event).toEqual({ ok: false, error: refusal });
    }
    expect((await getSnapshot(server.url)).order).toBeNull();
    const { presence } = (await getJson(`${server.url}/api/state`)).body;
    expect(presence).toMatchObject({ panels: 2, people: [{ name: "Kettle Bot", panels: 1 }], unnamed: 1 }); // not merged into Kettle Bot's
    // The token's holder is Kettle Bot whatever it types; a name nobody has is anyone's.
    expect(await owner.emitWithAck("order", { position: 3, by: "admin" })).toEqual({ ok: true });
    expect(await client.emitWithAck("answer", { position: 3, by: "Kettle" })).toEqual({ ok: true });
    expect(await getSnapshot(server.url)).toMatchObject({ order: { by: "Kettle Bot" }, answer: { by: "Kettle" } });
  });

  it("an order for everyone counts the people who may answer, each once: not idle sockets, viewers, or a person's many tabs", async () => {
    const server = track.server(await startServer({ face: FACE }));
    await panels(server.url, 30); // idle sockets that never say hello: no one
    const unnamed = await panels(server.url, 2);
    for (const [i, client] of unnamed.entries()) expect(await hello(client, `unnamed${i}`)).toEqual({ ok: true });
    const sam = await panels(server.url, 2); // one person, two tabs, not signed in
    for (const [i, client] of sam.entries()) expect(await hello(client, `sam${i}`, "Sam")).toEqual({ ok: true });
    const deck = await panels(server.url, 3, { auth: { token: token(server, "deck", "crew") } });
    for (const [i, client] of deck.entries()) expect(await hello(client, `deck${i}`)).toEqual({ ok: true });
    const screen = (await panels(server.url, 1, { auth: { token: token(server, "screen", "viewer") } }))[0];
    expect(await hello(screen, "screen")).toEqual({ ok: true });

    expect(await unnamed[0].emitWithAck("order", { position: "all-hands" })).toEqual({ ok: true });
    expect((await getSnapshot(server.url)).order).toMatchObject({ position: 2, required: 4 });
    for (const client of [...unnamed, sam[0]]) expect(await client.emitWithAck("answer", { position: 2 })).toEqual({ ok: true });
    expect(await getSnapshot(server.url)).toMatchObject({ acknowledged: false, answered: 3 });
    expect(await deck[2].emitWithAck("answer", { position: 2 })).toEqual({ ok: true });
    expect(await getSnapshot(server.url)).toMatchObject({ acknowledged: true, answered: 4 });
  });
});

describe("the core's bounds", () => {
  const at = (n: number) => new Date(Date.UTC(2026, 0, 1, 10, 0, n)).toISOString();
  const FILES = { link: "status-file", connected: true, since: at(0) } as const;
  const place = (position: number) => FACE.find((p) => p.position === position)!;
  const ordered = (position: number, listening?: number) => {
    const result = step(initial(FACE, FILES), { type: "order", position: place(position), source: "panel", listening, at: at(0) });
    if (!result.ok) throw new Error(result.error);
    return result.state;
  };

  it("an order for everyone needs at most 100 answers, however many are listening", () => {
    expect(ordered(2, 40).order?.required).toBe(40);
    expect(ordered(2, 5000).order?.required).toBe(100);
  });

  it(
    `an order takes ${MAX_ANSWERERS} answerers; the next is refused and changes ` +
      `nothing, those in may change their answer, the next order starts afresh`,
    () => {
      let state = ordered(3);
      for (let i = 0; i < MAX_ANSWERERS; i++) {
        const result = step(state, { type: "answer", position: place(i % 2 ? 3 : 1), answerer: `panel ${i}`, at: at(1) });
        if (!result.ok) throw new Error(result.error);
        state = result.state;
      }
      expect(snapshot(state).answered).toBe(MAX_ANSWERERS / 2);
      const error = `${MAX_ANSWERERS} answerers have answered already: until the next order, only they may answer again`;
      expect(step(state, { type: "answer", position: place(3), answerer: "panel new", at: at(2) })).toEqual({ ok: false, error });
      const changed = step(state, { type: "answer", position: place(3), answerer: "panel 0", at: at(2) });
      expect(changed.ok && snapshot(changed.state).answered).toBe(MAX_ANSWERERS / 2 + 1);
      const next = step(state, { type: "order", position: place(1), source: "panel", at: at(3) });
      const fresh = next.ok && step(next.state, { type: "answer", position: place(1), answerer: "panel new", at: at(4) });
      expect(fresh && fresh.ok && snapshot(fresh.state)).toMatchObject({ answered: 1, acknowledged: false }); // MUSTER needs 5
    },
  );
});

describe("what counts as one address", () => {
  /** A request from `peer`, with these headers. */
  function request(peer: string, headers: Record<string, string> = {}): IncomingMessage {
    const socket = new Socket();
    Object.defineProperty(socket, "remoteAddress", { value: peer });
    const req = new IncomingMessage(socket);
    req.headers = headers;
    return req;
  }

  it("an IPv4 address is itself; an IPv6 one its /64, however written; IPv4-mapped IPv6 is the IPv4 address", () => {
    for (const same of ["2001:db8:1:2::1", "2001:0DB8:0001:0002:ffff:ffff:ffff:ffff", "2001:db8:1:2:0:0:1.2.3.4", "2001:db8:1:2::9%eth0"]) {
      expect(addressGroup(same), same).toBe("2001:db8:1:2::/64");
    }
    expect(addressGroup("2001:db8:1:3::1")).toBe("2001:db8:1:3::/64");
    expect(addressGroup("2001:db8::1")).toBe("2001:db8::/64");
    expect(addressGroup("::1")).toBe("::/64");
    expect(addressGroup("::ffff:127.0.0.1")).toBe("127.0.0.1");
    expect(addressGroup("::ffff:c633:6407")).toBe("198.51.100.7");
    expect(addressGroup("198.51.100.7")).toBe("198.51.100.7");
    expect(addressGroup("unknown")).toBe("unknown");
  });

  it("behind a trusted proxy, the client's address is grouped, not the proxy's", () => {
    const client = clientInfo(["loopback"]);
    expect(addressGroup(client.address(request("127.0.0.1", { "x-forwarded-for": "2001:db8:7:7:1::2" })))).toBe("2001:db8:7:7::/64");
    expect(addressGroup(client.address(request("::ffff:203.0.113.9", { "x-forwarded-for": "2001:db8:7:7:1::2" })))).toBe("203.0.113.9");
  });
});
