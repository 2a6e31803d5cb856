// Pages from other sites (named, as a browser does, by the Origin header) against a running server:
// they can neither open a socket.io connection nor post an order or answer; CORS stays closed, and
// every response carries the security headers.
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { type JsonResponse, getJson, getSnapshot, postJson } from "./support/http";
import { connect, refusedConnection } from "./support/panels";
import { startServer } from "./support/server";
import { tracker } from "./support/track";

const track = tracker();
afterEach(() => track.cleanup());

const HOSTILE = "http://evil.example";
const ALLOWED = "https://chadburn.example.org";
/** socket.io's polling handshake, as a browser's first request. */
const HANDSHAKE = "/socket.io/?EIO=4&transport=polling";

async function setup() {
  const server = track.server(await startServer({ allowedOrigins: [ALLOWED] }));
  return { server, api: (route: string) => `${server.url}${route}` };
}

/** What a page with this origin sends (none: curl, scripts, a browser's same-origin GET). */
const from = (origin?: string): Record<string, string> => (origin ? { origin } : {});

describe("socket.io", () => {
  it("refuses a handshake from another origin, over WebSocket and polling, with an error naming it", async () => {
    const { server, api } = await setup();
    for (const origin of [HOSTILE, "null", "http://127.0.0.1:1", `${ALLOWED}:8443`]) {
      expect((await refusedConnection(server.url, { extraHeaders: from(origin) })).message).toBe("websocket error");
      const polling = await refusedConnection(server.url, { transports: ["polling"], extraHeaders: from(origin) });
      expect(polling).toMatchObject({ message: "xhr poll error", description: 403 });
      const handshake = await getJson(api(HANDSHAKE), { headers: from(origin) });
      expect(handshake).toMatchObject({ status: 403, body: { code: 4, message: `origin ${origin} not allowed` } });
    }
    expect((await getJson(api("/api/state"))).body.presence.panels).toBe(0);
  });

  it("lets in the server's own origin, an --allowed-origin, and a client that sends none", async () => {
    const { server, api } = await setup();
    for (const origin of [server.url, ALLOWED, undefined]) {
      for (const transports of [["websocket"], ["polling"]]) {
        const { first } = track.client(await connect(server.url, { transports, extraHeaders: from(origin) }));
        expect(first.face).toHaveLength(11);
      }
    }
    expect((await getJson(api("/api/state"))).body.presence.panels).toBe(6);
  });
});

describe("POST /api/order and /api/answer", () => {
  it("from another origin: 403 naming it, and nothing changes", async () => {
    const { server, api } = await setup();
    expect((await postJson(api("/api/order"), { position: 7 })).status).toBe(200);
    const before = {
      status: readFileSync(server.statusFile, "utf8"),
      accept: readFileSync(server.acceptFile, "utf8"),
      snapshot: await getSnapshot(server.url),
    };
    for (const route of ["/api/order", "/api/answer"]) {
      for (const origin of [HOSTILE, "null", "http://127.0.0.1:1"]) {
        const res = await postJson(api(route), { position: 8, by: "Mallory" }, from(origin));
        expect(res).toMatchObject({ status: 403, body: { error: `origin ${origin} not allowed` } });
      }
    }
    // The refusal comes before anything is done: once it is back, nothing has been.
    expect({
      status: readFileSync(server.statusFile, "utf8"),
      accept: readFileSync(server.acceptFile, "utf8"),
      snapshot: await getSnapshot(server.url),
    }).toEqual(before);
  });

  it("from the server's own origin, an --allowed-origin, or with no Origin (curl, scripts): done", async () => {
    const { server, api } = await setup();
    const own = await postJson(api("/api/order"), { position: 7 }, from(server.url));
    expect(own).toMatchObject({ status: 200, body: { order: { position: 7, seq: 1 } } });
    const allowed = await postJson(api("/api/answer"), { position: 7, by: "Ann" }, from(ALLOWED));
    expect(allowed).toMatchObject({ status: 200, body: { answer: { position: 7, by: "Ann" }, acknowledged: true } });
    const script = await postJson(api("/api/order"), { position: 8 });
    expect(script).toMatchObject({ status: 200, body: { order: { position: 8, seq: 2 } } });
    expect(readFileSync(server.statusFile, "utf8")).toBe("8\n");
  });

  it("logs each refused origin once, however often it comes back and by which way", async () => {
    const { server, api } = await setup();
    for (let i = 0; i < 5; i++) {
      await postJson(api("/api/order"), { position: 7 }, from(HOSTILE));
      await refusedConnection(server.url, { extraHeaders: from(HOSTILE) });
    }
    await postJson(api("/api/answer"), { position: 7 }, from("http://other.example"));
    const refused = server.logs.filter((line) => line.startsWith("refused requests from origin"));
    expect(refused).toEqual([
      `refused requests from origin ${HOSTILE}: not this server's own nor --allowed-origin`,
      "refused requests from origin http://other.example: not this server's own nor --allowed-origin",
    ]);
  });
});

/** A sample of every kind of response: the API and its errors, socket.io's handshakes and their refusals, preflights. */
async function responses(server: { url: string }): Promise<[string, JsonResponse | Response][]> {
  const url = (route: string) => `${server.url}${route}`;
  const preflight = (origin: string) => ({
    ...from(origin),
    "access-control-request-method": "POST",
    "access-control-request-headers": "content-type",
  });
  return [
    ["GET /api/state from another origin", await getJson(url("/api/state"), { headers: from(HOSTILE) })],
    ["GET /healthz", await getJson(url("/healthz"))],
    ["GET /api/nothing", await getJson(url("/api/nothing"))],
    ["OPTIONS /api/order (preflight)", await getJson(url("/api/order"), { method: "OPTIONS", headers: preflight(HOSTILE) })],
    ["OPTIONS /api/order (preflight, allowed origin)", await getJson(url("/api/order"), { method: "OPTIONS", headers: preflight(ALLOWED) })],
    ["OPTIONS socket.io (preflight)", await getJson(url(HANDSHAKE), { method: "OPTIONS", headers: preflight(HOSTILE) })],
    ["POST /api/order refused", await postJson(url("/api/order"), { position: 7 }, from(HOSTILE))],
    ["POST /api/order done", await postJson(url("/api/order"), { position: 7 }, from(ALLOWED))],
    ["socket.io handshake refused", await getJson(url(HANDSHAKE), { headers: from(HOSTILE) })],
    ["socket.io handshake", await fetch(url(HANDSHAKE), { headers: from(ALLOWED) })],
  ];
}

describe("CORS stays closed", () => {
  it("no Access-Control-Allow-* header on any response, preflights included: no page reads the server's responses from another site", async () => {
    const { server } = await setup();
    for (const [what, res] of await responses(server)) {
      expect(
        [...res.headers.keys()].filter((name) => name.startsWith("access-control-")),
        what,
      ).toEqual([]);
      if (what.includes("preflight")) expect(res.status, what).toBeGreaterThanOrEqual(400);
    }
  });
});

describe("security headers", () => {
  it("on every response, once each: a policy with a fresh nonce, no eval, no framing, socket.io back to its own host", async () => {
    const { server } = await setup();
    const host = new URL(server.url).host;
    const nonces = new Set<string>();
    const all = await responses(server);
    for (const [what, res] of all) {
      expect(res.headers.get("x-content-type-options"), what).toBe("nosniff");
      expect(res.headers.get("referrer-policy"), what).toBe("no-referrer");
      const csp = res.headers.get("content-security-policy") ?? "";
      const nonce = /script-src 'self' 'nonce-([\w+/]{22}==)' 'strict-dynamic';/.exec(csp)?.[1];
      expect(nonce, `${what}: ${csp}`).toBeDefined();
      nonces.add(nonce!);
      expect(csp, what).toContain(`style-src 'self' 'nonce-${nonce}';`);
      expect(csp, what).toContain(`connect-src 'self' ws://${host} wss://${host};`);
      expect(csp, what).toContain("frame-ancestors 'none'");
      expect(csp, what).not.toMatch(/unsafe-eval|unsafe-inline|,/); // a comma: the header given twice
    }
    expect(nonces.size).toBe(all.length);
  });
});
