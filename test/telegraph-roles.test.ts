// Roles per telegraph (issue 16), against a real server with two telegraphs: a person's role given
// on one telegraph holds there alone, over socket.io and HTTP; a token limited to telegraphs works on
// those only; a change reaches open panels at once; a store from before keeps everything.
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { MIGRATIONS } from "../server/store/migrations";
import { people } from "../server/people/people";
import { tokens } from "../server/people/tokens";
import { STORE_FILE, openStore } from "../server/store/store";
import { call, claim, nextYou, signInAdmin } from "./support/accounts";
import { tempDir } from "./support/files";
import { getJson, postJson } from "./support/http";
import { connect, letGo, refusedConnection } from "./support/panels";
import { token } from "./support/secrets";
import { type TestServer, startServer, withFiles } from "./support/server";
import { tracker } from "./support/track";
import { within } from "./support/wait";

const track = tracker();
afterEach(() => track.cleanup());

/** Lab (the default) and workshop, each with its files; nobody anonymous. */
async function twoTelegraphs(): Promise<TestServer> {
  const dir = track.dir(await tempDir());
  const telegraphs = [withFiles(dir, "lab", "Lab"), withFiles(dir, "workshop", "Workshop")];
  return track.server(await startServer({ dir, anonymous: "none", telegraphs, defaultTelegraph: "lab" }));
}

/** Two telegraphs; the admin signed in, and Ann (crew) invited and signed in. */
async function withAnn() {
  const server = await twoTelegraphs();
  const admin = await signInAdmin(server);
  const ann = await claim(server.url, (await call(server, "POST", "/api/people", admin, { name: "Ann", role: "crew" })).body.link);
  const give = (slug: string, role: string | null) => call(server, "PATCH", `/api/people/Ann/telegraphs/${slug}`, admin, { role });
  return { server, admin, ann, give };
}

const panel = (server: TestServer, telegraph: string, headers: Record<string, string>) =>
  connect(server.url, { auth: { telegraph }, extraHeaders: headers }).then((connected) => track.client(connected));

describe("a person's role on each telegraph", () => {
  it("Ann, bridge on the lab's and crew on the workshop's, orders on the lab's and only answers on the workshop's, over socket.io and HTTP", async () => {
    const { server, ann, give } = await withAnn();
    expect(await give("lab", "bridge")).toMatchObject({
      status: 200,
      body: { person: { name: "Ann", role: "crew", telegraphRoles: { lab: "bridge" } } },
    });

    const lab = await panel(server, "lab", ann);
    const workshop = await panel(server, "workshop", ann);
    expect([lab.you.role, workshop.you.role]).toEqual(["bridge", "crew"]);
    expect(await lab.client.emitWithAck("order", { position: 7 })).toEqual({ ok: true });
    expect(await workshop.client.emitWithAck("order", { position: 7 })).toEqual({ ok: false, error: "sending orders needs the bridge role" });
    expect(await workshop.client.emitWithAck("answer", { position: 7 })).toEqual({ ok: true });

    const post = (route: string, position: number) => postJson(`${server.url}${route}`, { position }, ann);
    expect(await post("/api/telegraphs/lab/order", 6)).toMatchObject({ status: 200, body: { order: { position: 6, by: "Ann" } } });
    expect(await post("/api/order", 5)).toMatchObject({ status: 200, body: { order: { position: 5 } } }); // the lab's: the default
    expect(await post("/api/telegraphs/workshop/order", 6)).toEqual(
      expect.objectContaining({ status: 403, body: { error: "sending orders needs the bridge role" } }),
    );
    expect(await post("/api/telegraphs/workshop/answer", 7)).toMatchObject({ status: 200, body: { answer: { position: 7, by: "Ann" } } });
    const states = await Promise.all(["lab", "workshop"].map((slug) => getJson(`${server.url}/api/telegraphs/${slug}/state`, { headers: ann })));
    expect(states.map((s) => s.body.order?.position)).toEqual([5, undefined]);
  });

  it("none on a telegraph: she may not see it, its history, nor find it listed; an unknown slug is still a 404", async () => {
    const { server, ann, give } = await withAnn();
    await give("workshop", "none");
    const refused = "seeing the panel needs the viewer role";
    expect((await refusedConnection(server.url, { auth: { telegraph: "workshop" }, extraHeaders: ann })).message).toBe(refused);
    for (const route of ["state", "history", "stats", "history.csv"])
      expect(await getJson(`${server.url}/api/telegraphs/workshop/${route}`, { headers: ann }), route).toMatchObject({
        status: 403,
        body: { error: refused },
      });
    expect((await getJson(`${server.url}/api/telegraphs`, { headers: ann })).body).toEqual({
      telegraphs: [{ slug: "lab", title: "Lab" }],
      default: "lab",
    });
    expect((await getJson(`${server.url}/api/telegraphs/kitchen/state`, { headers: ann })).status).toBe(404);
    expect((await getJson(`${server.url}/api/telegraphs/lab/history`, { headers: ann })).status).toBe(200);
    // Nor may her browser follow its pushes (the store's side: server/push/subscriptions.test.ts).
    const browser = { endpoint: "https://push.example.com/ann", keys: { p256dh: `B${"A".repeat(86)}`, auth: "A".repeat(22) } };
    expect(await postJson(`${server.url}/api/telegraphs/workshop/push/subscriptions`, browser, ann)).toMatchObject({
      status: 403,
      body: { error: refused },
    });
  });

  it("a change reaches her open panel at once: told her new role there, and cut off when she may no longer see it", async () => {
    const { server, ann, give } = await withAnn();
    const lab = await panel(server, "lab", ann);
    const workshop = await panel(server, "workshop", ann);
    const told = nextYou(workshop.client);
    await give("workshop", "bridge");
    expect(await told).toEqual({ role: "bridge", name: "Ann", via: "session" });
    expect(await workshop.client.emitWithAck("order", { position: 4 })).toEqual({ ok: true });
    // Cleared: her own role there again.
    const again = nextYou(workshop.client);
    await give("workshop", null);
    expect((await again).role).toBe("crew");
    const gone = letGo(workshop.client);
    await give("workshop", "none");
    // Told why before it is let go: the panel says so (components/useTelegraph.ts).
    expect(await within(gone, "the workshop's panel cut off")).toEqual({
      reason: "io server disconnect",
      refused: "seeing the panel needs the viewer role",
    });
    expect(lab.client.connected).toBe(true);
    expect(await lab.client.emitWithAck("answer", { position: 4 })).toEqual({ ok: true });
  });

  it("a change the command makes (another process on the store) reaches her open panel within a second", async () => {
    const { server, ann } = await withAnn();
    const workshop = await panel(server, "workshop", ann);
    const told = nextYou(workshop.client);
    const store = openStore(server.dir);
    people(store).setTelegraphRole("Ann", "workshop", "viewer", ["lab", "workshop"]);
    store.close();
    expect((await told).role).toBe("viewer");
    expect(await workshop.client.emitWithAck("answer", { position: 4 })).toEqual({ ok: false, error: "answering needs the crew role" });
  });

  it("an unknown slug or role is a 400 with one line, and changes nothing; each change is in the audit log", async () => {
    const { server, admin, give } = await withAnn();
    expect(await give("kitchen", "bridge")).toMatchObject({
      status: 400,
      body: { error: 'no telegraph "kitchen" here: the telegraphs are lab, workshop' },
    });
    expect(await give("lab", "admin")).toMatchObject({
      status: 400,
      body: { error: expect.stringMatching(/^role: a role on a telegraph is one of none/) },
    });
    await give("lab", "bridge");
    await give("lab", null);
    const { body } = await call(server, "GET", "/api/people", admin);
    expect(body.people.find((p: { name: string }) => p.name === "Ann").telegraphRoles).toEqual({});
    expect(body.telegraphs).toEqual([
      { slug: "lab", title: "Lab" },
      { slug: "workshop", title: "Workshop" },
    ]);
    const log = (await call(server, "GET", "/api/audit", admin)).body.entries.map((e: { detail: string }) => e.detail);
    expect(log.slice(0, 2)).toEqual(["Ann has their own role on lab again", "Ann is now bridge on lab"]);
  });
});

describe("a token limited to telegraphs", () => {
  it("works on its own, is refused on the other (socket.io, HTTP, history), and lists only its own", async () => {
    const server = await twoTelegraphs();
    const lamp = { authorization: `Bearer ${token(server, "lamp", "bridge", ["lab"])}` };
    const refused = "seeing the panel needs the viewer role";

    expect((await getJson(`${server.url}/api/telegraphs`, { headers: lamp })).body).toEqual({
      telegraphs: [{ slug: "lab", title: "Lab" }],
      default: "lab",
    });
    expect(await postJson(`${server.url}/api/telegraphs/lab/order`, { position: 3 }, lamp)).toMatchObject({ status: 200 });
    expect(await postJson(`${server.url}/api/telegraphs/workshop/order`, { position: 3 }, lamp)).toMatchObject({
      status: 403,
      body: { error: "sending orders needs the bridge role" },
    });
    for (const route of ["state", "history", "stats", "history.csv"])
      expect(await getJson(`${server.url}/api/telegraphs/workshop/${route}`, { headers: lamp }), route).toMatchObject({
        status: 403,
        body: { error: refused },
      });
    expect((await getJson(`${server.url}/api/telegraphs/lab/history`, { headers: lamp })).body.orders).toHaveLength(1);
    expect((await getJson(`${server.url}/api/telegraphs/kitchen/state`, { headers: lamp })).status).toBe(404);

    const auth = (telegraph: string) => ({ auth: { telegraph, token: lamp.authorization.slice("Bearer ".length) } });
    expect((await refusedConnection(server.url, auth("workshop"))).message).toBe(refused);
    const { you } = track.client(await connect(server.url, auth("lab")));
    expect(you).toEqual({ role: "bridge", name: "lamp", via: "token" });
  });

  it("made with an unknown slug: refused in one line, and no token is made", async () => {
    const server = await twoTelegraphs();
    expect(() => token(server, "lamp", "bridge", ["lab", "kitchen"])).toThrow('no telegraph "kitchen" here: the telegraphs are lab, workshop');
    const store = openStore(server.dir);
    expect(tokens(store).list()).toEqual([]);
    store.close();
  });
});

describe("upgrading", () => {
  it("a store at schema 8 keeps its people and tokens: each role and token as before, on every telegraph", async () => {
    const dir = track.dir(await tempDir());
    const old = new Database(path.join(dir, STORE_FILE));
    for (const sql of MIGRATIONS.slice(0, 8)) old.exec(sql);
    old.pragma("user_version = 8");
    old.prepare("INSERT INTO people (name, role, password, created_at) VALUES ('Ann', 'bridge', NULL, 'then')").run();
    old.prepare("INSERT INTO tokens (name, role, hash, created_at) VALUES ('kettle', 'crew', 'h', 'then')").run();
    old.close();
    const store = openStore(dir);
    expect(store.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
    expect(people(store).list()).toEqual([expect.objectContaining({ name: "Ann", role: "bridge", telegraphRoles: {} })]);
    expect(tokens(store).list()).toEqual([{ name: "kettle", role: "crew", createdAt: "then", lastUsed: null }]);
    store.close();
  });
});
