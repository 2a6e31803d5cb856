// The HTTP API against a running server: the snapshot, orders and answers for scripts, and health.
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { POSTS_PER_SECOND } from "../server/gateway/http";
import { MAX_MESSAGE_BYTES } from "../lib/protocol";
import { getJson, getSnapshot, postJson } from "./support/http";
import { connect, nextState } from "./support/panels";
import { startServer } from "./support/server";
import { tracker } from "./support/track";
import { within } from "./support/wait";

const track = tracker();
afterEach(() => track.cleanup());

/** A fresh server (and so a fresh rate limit) with one panel watching. */
async function setup() {
  const server = track.server(await startServer());
  const { client, first } = track.client(await connect(server.url));
  return { server, client, first, api: (route: string) => `${server.url}${route}` };
}

describe("GET /api/state", () => {
  it("is the snapshot a panel gets on connect, as JSON, not cached", async () => {
    const { api, first } = await setup();
    const res = await getJson(api("/api/state"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const { presence, ...snapshot } = res.body;
    expect(snapshot).toEqual(first);
    expect(snapshot).toMatchObject({ order: null, answer: null, acknowledged: false });
    // The one panel, which has not said hello: unnamed.
    expect(presence).toEqual({ panels: 1, unnamed: 1, people: [], receipts: null });
  });
});

describe("POST /api/order and /api/answer", () => {
  it('{"position": 7}: 200 and the new snapshot, which every panel receives; the status file holds it', async () => {
    const { server, api, client } = await setup();
    const next = nextState(client);
    const res = await postJson(api("/api/order"), { position: 7 });
    expect(res.status).toBe(200);
    expect(res.body.order).toMatchObject({ position: 7, name: "coffee", label: "COFFEE", seq: 1, source: "api" });
    expect(res.body.order).not.toHaveProperty("by");
    expect(await within(next, "the panel's state")).toEqual(res.body);
    expect(readFileSync(server.statusFile, "utf8")).toBe("7\n");
    expect(await getSnapshot(api(""))).toEqual(res.body);
  });

  it('{"position": "coffee", "by": "Ann"}: by name, with who', async () => {
    const { api, client } = await setup();
    const next = nextState(client);
    const res = await postJson(api("/api/order"), { position: "coffee", by: "Ann" });
    expect(res.status).toBe(200);
    expect(res.body.order).toMatchObject({ position: 7, seq: 1, source: "api", by: "Ann" });
    expect(await within(next, "the panel's state")).toEqual(res.body);
  });

  it("the same order again: 200, the snapshot unchanged", async () => {
    const { api } = await setup();
    const first = await postJson(api("/api/order"), { position: 7 });
    const again = await postJson(api("/api/order"), { position: "COFFEE", by: "Bob" });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
  });

  it("an answer: 200, written to the accept file, acknowledging the order", async () => {
    const { server, api, client } = await setup();
    await postJson(api("/api/order"), { position: "battle stations" });
    const next = nextState(client);
    const res = await postJson(api("/api/answer"), { position: 11, by: "Ann" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ answer: { position: 11, seq: 1, by: "Ann" }, acknowledged: true });
    expect(await within(next, "the panel's state")).toEqual(res.body);
    expect(readFileSync(server.acceptFile, "utf8")).toBe("11\n");
  });
});

describe("refused requests: the status and {error}, nothing changed", () => {
  const json = { "content-type": "application/json" };
  const cases: [string, string, Record<string, string>, number, RegExp][] = [
    ["bad JSON", '{"position": 7', json, 400, /not valid JSON/],
    ["an unknown position", '{"position": 42}', json, 400, /^unknown position 42: this face has 1 FULL/],
    ["an unknown name", '{"position": "full astern"}', json, 400, /^unknown position "full astern"/],
    ["an array", "[7]", json, 400, /expected an object \{position, by\}, received an array/],
    ["a bare number", "7", json, 400, /expected an object \{position, by\}, received number/],
    ["null", "null", json, 400, /expected an object \{position, by\}, received null/],
    ["position {}", '{"position": {}}', json, 400, /^position: /],
    ["an extra field", '{"position": 7, "shutdown": true}', json, 400, /shutdown/],
    ["by a number", '{"position": 7, "by": 5}', json, 400, /^by: /],
    ["no content type", '{"position": 7}', {}, 415, /Content-Type: application\/json/],
    ["text/plain", '{"position": 7}', { "content-type": "text/plain" }, 415, /Content-Type: application\/json/],
    ["a body over 4 KB", JSON.stringify({ position: 7, by: "x".repeat(MAX_MESSAGE_BYTES) }), json, 413, /over 4096 bytes/],
  ];

  for (const [what, body, headers, status, error] of cases) {
    it(`${status} for ${what}`, async () => {
      const { api, first } = await setup();
      for (const route of ["/api/order", "/api/answer"]) {
        // A Uint8Array body carries no content type of its own.
        const res = await getJson(api(route), { method: "POST", headers, body: new TextEncoder().encode(body) });
        expect(res.status, route).toBe(status);
        expect(res.body).toEqual({ error: expect.stringMatching(error) });
      }
      expect(await getSnapshot(api(""))).toEqual(first);
    });
  }

  it("413 for a streamed (chunked) body over 4 KB", async () => {
    const { api, first } = await setup();
    const chunk = new TextEncoder().encode(" ".repeat(1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 8) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await getJson(api("/api/order"), { method: "POST", headers: json, body, duplex: "half" } as RequestInit);
    expect(res.status).toBe(413);
    expect(res.body.error).toMatch(/over 4096 bytes/);
    expect(await getSnapshot(api(""))).toEqual(first);
  });

  it(`429 past ${POSTS_PER_SECOND} posts a second`, async () => {
    const { api } = await setup();
    const statuses: number[] = [];
    let last;
    for (let i = 0; i <= POSTS_PER_SECOND; i++) {
      last = await postJson(api("/api/order"), { position: 1 + (i % 2) });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([...Array(POSTS_PER_SECOND).fill(200), 429]);
    expect(last?.body).toEqual({ error: `too many requests: at most ${POSTS_PER_SECOND} a second` });
    expect((await getSnapshot(api(""))).order?.seq).toBe(POSTS_PER_SECOND);
  });

  it("405 for a wrong method, naming the right one", async () => {
    const { api } = await setup();
    const cases: [string, string, string][] = [
      ["GET", "/api/order", "POST"],
      ["PUT", "/api/answer", "POST"],
      ["DELETE", "/api/state", "GET"],
      ["POST", "/healthz", "GET"],
    ];
    for (const [method, route, allow] of cases) {
      const res = await getJson(api(route), { method });
      expect(res.status, `${method} ${route}`).toBe(405);
      expect(res.headers.get("allow")).toBe(allow);
      expect(res.body.error).toContain(allow);
    }
  });

  it("404 for an unknown /api/ route, and for the panel (not served here)", async () => {
    const { api } = await setup();
    for (const [method, route] of [
      ["GET", "/api/nope"],
      ["POST", "/api/orders"],
      ["GET", "/api"],
    ]) {
      const res = await getJson(api(route), { method });
      expect(res.status, `${method} ${route}`).toBe(404);
      expect(res.body).toEqual({ error: expect.any(String) });
    }
    expect((await getJson(api("/api/nope"))).body.error).toContain("/api/nope");
    expect((await getJson(api("/"))).status).toBe(404);
  });
});

describe("GET /healthz", () => {
  it("200, the link watching its file", async () => {
    const { server, api } = await setup();
    const res = await getJson(api("/healthz"));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: "ok",
      telegraph: { link: "status-file", connected: true, since: expect.any(String) },
      links: [{ link: "status-file", at: server.statusFile, state: "watching" }],
    });
  });
});
