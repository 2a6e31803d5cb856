// Hostile input on the wire, against a running server: raw Engine.IO v4 / Socket.IO v5 frames over
// a real WebSocket, bad handshakes, garbage long-polling bodies. Each gets a clear error, or loses
// its own connection where socket.io's protocol has no way to answer; nothing changes (the state,
// the status and accept files), nothing crashes, and a well-behaved panel connected all along is
// still served at once.
import { afterEach, describe, expect, it } from "vitest";
import { MAX_MESSAGE_BYTES } from "../lib/protocol";
import { audit } from "../server/people/audit";
import { openStore } from "../server/store/store";
import { DEFAULT_FACE } from "../lib/face";
import { PROBE, type Outcome, handshake, hostileRig, stillServed } from "./support/hostile";
import { getJson } from "./support/http";
import { expectNext } from "./support/panels";
import { tracker } from "./support/track";
import { within } from "./support/wait";

const { socket, raw, setup, unharmed, cleanup } = hostileRig(tracker());
afterEach(cleanup);

/** What the unknown-position error lists: the whole face. */
const FACE_LIST = DEFAULT_FACE.map((p) => `${p.position} ${p.label}`).join(", ");

type Frame = string | Buffer;
/** A frame for a test's name: characters that would garble it (U+202E turns the line around) as \\u escapes. */
const printable = (text: string) => text.replace(/[^\x20-\x7e]/gu, (c) => `\\u${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`);
const binary = (...bytes: number[]) => Buffer.from(bytes);

describe("malformed socket.io packets", () => {
  // socket.io's parser (or Engine.IO's) throws on these; socket.io then closes that connection.
  // Engine.IO closes the WebSocket without a status code (1005 on the client); ws itself refuses
  // a text frame that is not UTF-8 (1007).
  const closing: [string, Frame, number][] = [
    ["an event cut short: 42[", "42[", 1005],
    ["an object for the event: 42{}", "42{}", 1005],
    ['an unterminated array: 42["order"', '42["order"', 1005],
    ["a NUL for the socket.io packet type: 4\\u0000", "4\u0000", 1005],
    ["an unknown socket.io packet type: 49", "49", 1005],
    ["an unknown Engine.IO packet type: 7", "7", 1005],
    ["an Engine.IO ping from the client: 2 (in v4 only the server pings)", "2", 1005],
    ['a name socket.io reserves: 42["disconnect"]', '42["disconnect"]', 1005],
    ["a second connect to the namespace: 40", "40", 1005],
    ["a binary frame that is not UTF-8, with no binary event to belong to", binary(0xff, 0xfe, 0xfd, 0x80), 1005],
    ["a text frame that is not UTF-8", binary(0x34, 0x32, 0xff, 0xfe), 1007],
  ];
  for (const [what, frame, code] of closing) {
    it(`${what}: that connection is closed (${code})`, async () => {
      const s = await setup();
      const conn = await raw(s.server.url);
      conn.send(frame, { binary: typeof frame !== "string" && code !== 1007 });
      expect(await within(conn.closed, "the connection to be closed")).toBe(code);
      await unharmed(s);
    });
  }

  it('a binary placeholder whose index is "__proto__" (451-[…{"_placeholder":true,"num":"__proto__"}…]): that connection is closed', async () => {
    const s = await setup();
    const conn = await raw(s.server.url);
    conn.send('451-["order",{"position":{"_placeholder":true,"num":"__proto__"}}]');
    conn.send(binary(7));
    expect(await within(conn.closed, "the connection to be closed")).toBe(1005);
    await unharmed(s);
  });

  // Well-formed packets for events no handler listens to: socket.io drops them, and the
  // connection goes on (the probe after them is answered).
  const ignored: [string, string][] = [
    ["a number for the event name: 42[123]", "42[123]"],
    ['42["__proto__",{}]', '42["__proto__",{}]'],
    ['42["constructor"]', '42["constructor"]'],
    ['an event that is not ours: 42["shutdown"]', '42["shutdown"]'],
    ['an event that is not ours: 42["eval","x"]', '42["eval","x"]'],
    ['an "error" event from the client: 42["error","x"]', '42["error","x"]'],
    ["an Engine.IO pong nobody asked for: 3", "3"],
    ["an Engine.IO noop: 6", "6"],
  ];
  for (const [what, frame] of ignored) {
    it(`${what}: ignored`, async () => {
      const s = await setup();
      const conn = await raw(s.server.url);
      conn.send(frame);
      await stillServed(conn);
      await unharmed(s);
    });
  }

  it('an event that is not ours asking for a reply: 421["shutdown"]: refused, naming what a panel sends', async () => {
    const s = await setup();
    const conn = await raw(s.server.url);
    expect(await conn.ack('421["shutdown"]')).toEqual({
      ok: false,
      error: 'unknown event "shutdown": a panel sends order, answer, hello, receipt, snapshot',
    });
    await stillServed(conn);
    await unharmed(s);
  });
});

describe("malformed payloads to our events get {ok: false, error} naming what is wrong, and change nothing", () => {
  // The error names the field when there is one; a payload that is no object has none.
  const refused: [string, string, string, string | null][] = [
    ["an order that is a string", '420["order","coffee"]', "expected an object {position, by}, received string", null],
    ['"__proto__" for the position', '421["order",{"position":"__proto__"}]', `unknown position "__proto__": this face has ${FACE_LIST}`, "position"],
    [
      '"constructor" for the position',
      '421["order",{"position":"constructor"}]',
      `unknown position "constructor": this face has ${FACE_LIST}`,
      "position",
    ],
    ["an extra field", '422["order",{"position":7,"extra":1}]', 'Unrecognized key: "extra"', "extra"],
    ["an answer that is null", '423["answer",null]', "expected an object {position, by}, received null", null],
    [
      "a position of 1e309 (Infinity once parsed)",
      '424["order",{"position":1e309}]',
      "position: expected a position: its number, or its name or label",
      "position",
    ],
    [
      "a __proto__ key holding the position",
      '425["order",{"__proto__":{"position":3}}]',
      "position: expected a position: its number, or its name or label",
      "position",
    ],
    [
      "by turned right to left (U+202E)",
      '426["order",{"position":7,"by":"\u202EnnA"}]',
      "by: a name cannot hold control, zero-width or direction-changing characters",
      "by",
    ],
    [
      "by with a zero-width space (U+200B)",
      '427["order",{"position":7,"by":"A\u200Bnn"}]',
      "by: a name cannot hold control, zero-width or direction-changing characters",
      "by",
    ],
    [
      "by written as JSON escapes for U+202E",
      '428["answer",{"position":3,"by":"\\u202Enna"}]',
      "by: a name cannot hold control, zero-width or direction-changing characters",
      "by",
    ],
  ];
  for (const [what, frame, error, field] of refused) {
    it(`${what}: ${printable(frame)}`, async () => {
      const s = await setup();
      const conn = await raw(s.server.url);
      expect(await conn.ack(frame)).toEqual({ ok: false, error });
      if (field) expect(error).toContain(field);
      await stillServed(conn);
      await unharmed(s);
    });
  }

  it('a binary attachment in place of the order (451-8["order",{"_placeholder":true,"num":0}] and its bytes): refused', async () => {
    const s = await setup();
    const conn = await raw(s.server.url);
    conn.send('451-8["order",{"_placeholder":true,"num":0}]');
    conn.send(binary(0x7b, 0x7d));
    const reply = await within(
      conn.frame((f) => f.startsWith("438["), "the reply to the binary order"),
      "the reply",
    );
    // The Buffer is an object to the schema, with no position in it.
    expect(JSON.parse(reply.slice(3))[0]).toEqual({ ok: false, error: "position: expected a position: its number, or its name or label" });
    await stillServed(conn);
    await unharmed(s);
  });

  it(`names that are plain text are taken as text: "<img src=x onerror=alert(1)>" is stored and shown verbatim`, async () => {
    const s = await setup();
    const name = "<img src=x onerror=alert(1)>";
    const conn = await raw(s.server.url);
    const shown = expectNext(s.watcher, () => {});
    expect(await conn.ack(`428${JSON.stringify(["order", { position: 7, by: name }])}`)).toEqual({ ok: true });
    const state = await shown;
    expect(state.order).toMatchObject({ position: 7, seq: 2, source: "panel", by: name });
    // The raw frame holds the name as JSON text, nothing added or escaped beyond JSON's own.
    expect(
      await conn.frame((f) => f.startsWith('42["change"') && f.includes('"by":"<img src=x onerror=alert(1)>"'), "the change frame"),
    ).toBeTruthy();
    await unharmed(s, { snapshot: state, status: "7\n", accept: s.before.accept });
  });

  it(`"Robert'); DROP TABLE people;--" is a name like any other: stored as text, and the store works on`, async () => {
    const s = await setup();
    const name = "Robert'); DROP TABLE people;--";
    const conn = await raw(s.server.url);
    const shown = expectNext(s.watcher, () => {});
    expect(await conn.ack(`429${JSON.stringify(["order", { position: 8, by: name }])}`)).toEqual({ ok: true });
    const state = await shown;
    expect(state.order).toMatchObject({ position: 8, seq: 2, by: name });
    await unharmed(s, { snapshot: state, status: "8\n", accept: s.before.accept });

    // The audit log holds the name verbatim, the later order from the status file after it, and every table is still there.
    const store = openStore(s.server.dir);
    try {
      const entries = audit(store).list();
      expect(entries.map((e) => [e.who, e.action, e.detail])).toEqual([
        ["anonymous (typed: Ann)", "order", "order #1 3 SLOW from panel"],
        ["anonymous (typed: Bob)", "answer", "answer 3 to order #1 (acknowledged)"],
        [`anonymous (typed: ${name})`, "order", "order #2 8 LUNCH from panel"],
        ["telegraph", "order", "order #3 9 EWW from telegraph"],
      ]);
      const tables = store.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
      expect(tables).toEqual(expect.arrayContaining(["people", "tokens", "audit", "events", "telegraphs"]));
    } finally {
      store.close();
    }
  });

  it('prototype keys as a panel id and a person\'s name: hello {panel: "__proto__", name: "__proto__"} is just text', async () => {
    const s = await setup();
    const conn = await raw(s.server.url);
    expect(await conn.ack('421["hello",{"panel":"__proto__","name":"__proto__"}]')).toEqual({ ok: true });
    expect(await conn.ack('422["receipt",{"seq":1,"heard":"rang"}]')).toEqual({ ok: true });
    expect(await conn.ack('423["hello",{"panel":"constructor","name":"x"}]')).toEqual({
      ok: false,
      error: "a connection speaks for one panel: reconnect to change it",
    });
    const { presence } = (await getJson(`${s.server.url}/api/state`)).body;
    expect(presence).toMatchObject({ panels: 2, people: [{ name: "__proto__", panels: 1 }], receipts: { seq: 1, rang: 1 } });
    await unharmed(s);
  });
});

describe(`frames over ${MAX_MESSAGE_BYTES} bytes (maxHttpBufferSize)`, () => {
  /** An order whose `by` pads the whole frame to `bytes`. */
  const padded = (bytes: number, id = 1) => {
    const head = `42${id}["order",{"position":7,"by":"`;
    const tail = '"}]';
    return head + "x".repeat(bytes - head.length - tail.length) + tail;
  };

  it(`a frame of exactly ${MAX_MESSAGE_BYTES} bytes is read, and refused for its long name`, async () => {
    const s = await setup();
    const conn = await raw(s.server.url);
    expect(await conn.ack(padded(MAX_MESSAGE_BYTES))).toEqual({ ok: false, error: "by: at most 40 characters" });
    await unharmed(s);
  });

  for (const [what, bytes] of [
    [`one byte over (${MAX_MESSAGE_BYTES + 1})`, MAX_MESSAGE_BYTES + 1],
    ["an order with a 10 KB by", 10_240],
    ["1 MB", 1 << 20],
  ] as const) {
    it(`${what}: that connection is closed (1009, message too big); the other panel is unaffected`, async () => {
      const s = await setup();
      const conn = await raw(s.server.url);
      conn.send(padded(bytes));
      expect(await within(conn.closed, "the connection to be closed")).toBe(1009);
      expect(conn.received.filter((f) => f.startsWith("431"))).toEqual([]);
      await unharmed(s);
    });
  }
});

describe("handshakes", () => {
  it("an auth that is not an object (a string, an array): socket.io's parser refuses the CONNECT packet and closes the connection", async () => {
    const s = await setup();
    for (const auth of ["secret", ["secret"]]) {
      expect(await handshake(s.server.url, { auth: auth as never }), JSON.stringify(auth)).toEqual({ closed: "transport close" });
    }
    // The same, raw: the CONNECT packet "40<payload>" with a payload that is not an object.
    for (const frame of ['40"secret"', "40[1]", "40null", "40true"]) {
      const ws = socket(s.server.url);
      ws.on("message", (data) => data.toString().startsWith("0{") && ws.send(frame));
      const [code] = await within(new Promise<[number]>((resolve) => ws.once("close", (c) => resolve([c]))), frame);
      expect(code, frame).toBe(1005);
    }
    await unharmed(s);
  });

  it(
    "an auth that is a bare number: socket.io's encoding makes it the CONNECT packet's " +
      'id ("40123"), so the server sees no auth at all: anonymous, as with none',
    async () => {
      const s = await setup();
      const plain = await handshake(s.server.url, {});
      expect(plain).toMatchObject({ connected: { via: "anonymous" } });
      expect(await handshake(s.server.url, { auth: 123 as never })).toEqual(plain);
      await unharmed(s);
    },
  );

  it("an auth.token of 100 KB: over the frame limit, so the connection is closed before anything reads it", async () => {
    const s = await setup();
    expect(await handshake(s.server.url, { auth: { token: "x".repeat(100_000) } })).toEqual({ closed: "transport close" });
    await unharmed(s);
  });

  it("an auth.token of 3 KB (under the frame limit): refused with a clear connect_error", async () => {
    const s = await setup();
    expect(await handshake(s.server.url, { auth: { token: "x".repeat(3000) } })).toEqual({
      refused: "the API token is not valid (unknown, revoked or mistyped)",
    });
    await unharmed(s);
  });

  it("an auth.token that is not a string (a number, true, an array, an object): refused with a clear connect_error, not let in as anonymous", async () => {
    const s = await setup();
    const tokens = [123, 0, true, ["secret"], { secret: "x" }];
    const outcomes: Record<string, Outcome> = {};
    for (const token of tokens) outcomes[JSON.stringify(token)] = await handshake(s.server.url, { auth: { token } });
    expect(outcomes).toEqual(Object.fromEntries(tokens.map((t) => [JSON.stringify(t), { refused: expect.stringMatching(/token/) }])));
    await unharmed(s);
  });
});

describe("HTTP long-polling with garbage", () => {
  const polling = (url: string, sid?: string) => `${url}/socket.io/?EIO=4&transport=polling${sid ? `&sid=${sid}` : ""}`;
  const post = (url: string, body: string) => fetch(url, { method: "POST", body, headers: { "content-type": "text/plain;charset=UTF-8" } });

  /** A polling session, connected to the main namespace: its sid. */
  async function session(url: string): Promise<string> {
    const open = await (await fetch(polling(url))).text();
    expect(open).toMatch(/^0\{/);
    const { sid } = JSON.parse(open.slice(1));
    expect(await (await post(polling(url, sid), "40")).text()).toBe("ok");
    expect(await (await fetch(polling(url, sid))).text()).toMatch(/^40\{"sid"/);
    return sid;
  }

  it("a bogus sid: 400 and engine.io's JSON error, for a POST and a GET", async () => {
    const s = await setup();
    for (const method of ["POST", "GET"]) {
      const res = await getJson(polling(s.server.url, "bogus"), method === "POST" ? { method, body: "xyz" } : {});
      expect(res.status, method).toBe(400);
      expect(res.headers.get("content-type"), method).toMatch(/^application\/json/);
      expect(res.body, method).toEqual({ code: 1, message: "Session ID unknown" });
    }
    await unharmed(s);
  });

  it(
    'a valid sid, a body that is no Engine.IO payload ("xyz"): engine.io ' +
      'answers "ok" but closes the session (parse error); its next poll gets 400',
    async () => {
      const s = await setup();
      const sid = await session(s.server.url);
      const res = await post(polling(s.server.url, sid), "xyz");
      expect({ status: res.status, body: await res.text() }).toEqual({ status: 200, body: "ok" });
      const next = await getJson(polling(s.server.url, sid));
      expect(next).toMatchObject({ status: 400, body: { code: 1, message: "Session ID unknown" } });
      await unharmed(s);
    },
  );

  it("a valid sid, a socket.io packet cut short (42[): the session is closed, its next poll gets Engine.IO's close packet", async () => {
    const s = await setup();
    const sid = await session(s.server.url);
    expect(await (await post(polling(s.server.url, sid), "42[")).text()).toBe("ok");
    const next = await fetch(polling(s.server.url, sid));
    // A noop, then the close packet, separated by Engine.IO's record separator.
    expect({ status: next.status, packets: (await next.text()).split("\x1e") }).toEqual({ status: 200, packets: ["6", "1"] });
    expect(await getJson(polling(s.server.url, sid))).toMatchObject({ status: 400, body: { code: 1, message: "Session ID unknown" } });
    await unharmed(s);
  });

  it("a valid sid, a 1 MB body: 413, nothing of it read; the session goes on", async () => {
    const s = await setup();
    const sid = await session(s.server.url);
    const res = await post(polling(s.server.url, sid), `42${JSON.stringify(["order", { position: 7, by: "x".repeat(1 << 20) }])}`);
    expect(res.status).toBe(413);
    // Still served: an event with a reply gets it on the next poll.
    expect(await (await post(polling(s.server.url, sid), `42${PROBE}["order",null]`)).text()).toBe("ok");
    expect(await (await fetch(polling(s.server.url, sid))).text()).toContain(
      `43${PROBE}[{"ok":false,"error":"expected an object {position, by}, received null"}]`,
    );
    expect(await (await post(polling(s.server.url, sid), "1")).text()).toBe("ok"); // Engine.IO's close
    await unharmed(s);
  });
});
