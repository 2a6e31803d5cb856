// API tokens and --anonymous against a running server: scripts with a token act with its role and
// name, over HTTP and socket.io; without one, people get the anonymous role, and no more.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { audit } from "../server/people/audit";
import { tokens } from "../server/people/tokens";
import { openStore } from "../server/store/store";
import { getJson, postJson } from "./support/http";
import { connect, refusedConnection } from "./support/panels";
import { token } from "./support/secrets";
import { startServer } from "./support/server";
import { tracker } from "./support/track";
import { within } from "./support/wait";

const track = tracker();
afterEach(() => track.cleanup());

const auth = (secret: string) => ({ authorization: `Bearer ${secret}` });

describe("over HTTP", () => {
  it("a bridge token sends an order in its own name; without one, crew may answer but not order", async () => {
    const server = track.server(await startServer({ anonymous: "crew" }));
    const kettle = token(server, "kettle", "bridge");

    const refused = await postJson(`${server.url}/api/order`, { position: 7 });
    expect(refused).toMatchObject({ status: 401, body: { error: "sending orders needs the bridge role" } });
    expect(refused.headers.get("www-authenticate")).toBe('Bearer realm="chadburn"');
    expect(readFileSync(server.statusFile, "utf8")).toBe("");

    const sent = await postJson(`${server.url}/api/order`, { position: "coffee", by: "someone else" }, auth(kettle));
    expect(sent.status).toBe(200);
    expect(sent.body.order).toMatchObject({ position: 7, source: "api", by: "kettle" });
    expect(readFileSync(server.statusFile, "utf8")).toBe("7\n");

    const answered = await postJson(`${server.url}/api/answer`, { position: 7, by: "Ann" });
    expect(answered.status).toBe(200);
    expect(answered.body.answer).toMatchObject({ position: 7, by: "Ann" });
  });

  it("a token too weak gets 403; a forged, revoked or malformed one 401, and nothing changes", async () => {
    const server = track.server(await startServer({ anonymous: "bridge" }));
    const watcher = token(server, "watcher", "viewer");
    const old = token(server, "old", "admin");
    const store = openStore(server.dir);
    tokens(store).revoke("old");
    store.close();

    expect(await postJson(`${server.url}/api/answer`, { position: 7 }, auth(watcher))).toMatchObject({
      status: 403,
      body: { error: "answering needs the crew role" },
    });
    // Another scheme (a proxy's Basic auth) is not a token at all: test/hostile-http.test.ts.
    for (const authorization of [`Bearer ${old}`, "Bearer chadburn_forged", "Bearer"]) {
      const res = await postJson(`${server.url}/api/order`, { position: 7 }, { authorization });
      expect(res, authorization).toMatchObject({ status: 401, body: { error: expect.stringMatching(/not valid/) } });
    }
    expect(readFileSync(server.statusFile, "utf8")).toBe("");
    expect(readFileSync(server.acceptFile, "utf8")).toBe("");
  });

  it("--anonymous none: the state and /metrics only with a token; /healthz stays 200 for monitoring, without the files' folders", async () => {
    const server = track.server(await startServer({ anonymous: "none" }));
    expect(await getJson(`${server.url}/api/state`)).toMatchObject({ status: 401, body: { error: "seeing the panel needs the viewer role" } });
    const screen = auth(token(server, "screen", "viewer"));
    expect((await getJson(`${server.url}/api/state`, { headers: screen })).status).toBe(200);
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${server.url}/metrics`, { headers: screen })).status).toBe(200);
    expect(await getJson(`${server.url}/healthz`)).toMatchObject({
      status: 200,
      body: { status: "ok", links: [{ link: "status-file", at: "status.eot" }] },
    });
  });

  it("the README's curl example sends COFFEE", async () => {
    const server = track.server(await startServer({ anonymous: "crew" }));
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const example = /^curl .*\/api\/order.*$/m.exec(readme)?.[0];
    expect(example).toBeDefined();
    const command = example!.replaceAll("$CHADBURN_TOKEN", token(server, "kettle", "bridge")).replace("http://localhost:1873", server.url);
    const out = await new Promise<string>((resolve, reject) =>
      execFile("sh", ["-c", command], (error, stdout, stderr) => (error ? reject(new Error(stderr || error.message)) : resolve(stdout))),
    );
    expect(JSON.parse(out).order).toMatchObject({ label: "COFFEE", by: "kettle" });
  });
});

describe("the audit log", () => {
  it("keeps every order and answer with who gave it and from where; a refused one is not there", async () => {
    const server = track.server(await startServer({ anonymous: "crew" }));
    const kettle = token(server, "kettle", "bridge");
    await postJson(`${server.url}/api/order`, { position: 7 }, auth(kettle));
    await postJson(`${server.url}/api/order`, { position: 8 }); // refused: crew
    const { client } = track.client(await connect(server.url));
    await client.emitWithAck("answer", { position: 7, by: "Ann" });
    const store = openStore(server.dir);
    const entries = audit(store).list();
    store.close();
    expect(entries).toEqual([
      { at: expect.any(String), who: "token kettle", address: "127.0.0.1", action: "order", detail: "order #1 7 COFFEE from api by kettle" },
      {
        at: expect.any(String),
        who: "anonymous (typed: Ann)",
        address: "127.0.0.1",
        action: "answer",
        detail: "answer 7 to order #1 (acknowledged)",
      },
    ]);
  });
});

describe("over socket.io", () => {
  it("a token in the handshake: the panel is told who it is, and orders go in the token's name", async () => {
    const server = track.server(await startServer({ anonymous: "crew" }));
    const { client, you } = track.client(await connect(server.url, { auth: { token: token(server, "kettle", "bridge") } }));
    expect(you).toEqual({ role: "bridge", name: "kettle", via: "token" });
    expect(await client.emitWithAck("order", { position: 8, by: "Ann" })).toEqual({ ok: true });
    expect((await getJson(`${server.url}/api/state`)).body.order).toMatchObject({ position: 8, source: "panel", by: "kettle" });
  });

  it("anonymous crew may answer, not order; the panel is told so", async () => {
    const server = track.server(await startServer({ anonymous: "crew" }));
    const { client, you } = track.client(await connect(server.url));
    expect(you).toEqual({ role: "crew", via: "anonymous" });
    expect(await client.emitWithAck("order", { position: 8 })).toEqual({ ok: false, error: "sending orders needs the bridge role" });
    expect(await client.emitWithAck("answer", { position: 8 })).toEqual({ ok: true });
    expect(readFileSync(server.statusFile, "utf8")).toBe("");
  });

  it("a forged token, or no token under --anonymous none, is refused at the handshake", async () => {
    const server = track.server(await startServer({ anonymous: "none" }));
    expect((await within(refusedConnection(server.url), "the refusal")).message).toBe(
      "seeing the panel needs the viewer role: sign in, or connect with an API token",
    );
    expect((await within(refusedConnection(server.url, { auth: { token: "chadburn_forged" } }), "the refusal")).message).toMatch(/not valid/);
    const { you } = track.client(await connect(server.url, { auth: { token: token(server, "screen", "viewer") } }));
    expect(you).toEqual({ role: "viewer", name: "screen", via: "token" });
  });
});
