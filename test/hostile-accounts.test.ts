// Accounts against someone hostile: the `chadburn` command's revocations reaching open panels from
// another process, the sign-in lockout raced, aimed at someone else or flooded away, idle sessions,
// and a browser's earlier session outliving a new sign-in.
import { execFile } from "node:child_process";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { You } from "../lib/protocol";
import { SIGN_INS_PER_MINUTE } from "../server/gateway/accounts";
import { FIRST_LOCK_MS, FREE_FAILURES, lockout } from "../server/people/lockout";
import { openStore } from "../server/store/store";
import { PASSWORD, claim, cookieOf, sent, signInAdmin } from "./support/accounts";
import { tempDir } from "./support/files";
import { getJson, postJson } from "./support/http";
import { type Client, connect, letGo, record, stateWhere } from "./support/panels";
import { spawnServer } from "./support/processes";
import { type TestServer, startServer } from "./support/server";
import { tracker } from "./support/track";
import { waitFor, within } from "./support/wait";

const track = tracker();
afterEach(() => track.cleanup());
// The command-line tests run a server process and several `chadburn` processes.
vi.setConfig({ testTimeout: 60_000 });

const DAY_MS = 24 * 3600_000;
const bin = path.resolve(import.meta.dirname, "../bin/chadburn.mjs");

/** Runs `chadburn ARGS --data-dir DIR` as a person at the server's shell does; resolves once it exits. */
function chadburn(dir: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args, "--data-dir", dir], (error, out, err) => resolve({ code: error ? Number(error.code) : 0, out, err }));
  });
}

const signIn = (url: string, name: string, password: string, headers: Record<string, string> = {}) =>
  postJson(`${url}/api/session`, { name, password }, headers);

/** The next `you` a panel is told, within `ms`. */
const nextYou = (client: Client, ms = 5000) => within(new Promise<You>((resolve) => client.once("you", resolve)), "a new you", ms);

describe("changes made with the chadburn command reach open panels", () => {
  /** A person added with the command, signed in on the server: their browser's cookie header. */
  async function person(url: string, dir: string, name: string, role: string) {
    const added = await chadburn(dir, ["user", "add", name, "--role", role]);
    expect(added.code, added.err).toBe(0);
    return claim(url, /http\S+#signin_\S+/.exec(added.out)![0]);
  }
  async function token(dir: string, name: string, role: string) {
    const created = await chadburn(dir, ["token", "create", "--name", name, "--role", role]);
    expect(created.code, created.err).toBe(0);
    return /^chadburn_\S+$/m.exec(created.out)![0];
  }

  it("token revoke and user remove disconnect the open sockets within 2 s under --anonymous none; no order reaches them after", async () => {
    const dir = track.dir(await tempDir());
    const { url } = track.server(await spawnServer(dir, { args: ["--anonymous", "none"] }));
    const wallToken = await token(dir, "wall", "viewer");
    const kettleToken = await token(dir, "kettle", "bridge");
    const ann = await person(url, dir, "Ann", "crew");
    const wall = track.client(await connect(url, { auth: { token: wallToken } })).client;
    const annPanel = track.client(await connect(url, { extraHeaders: ann })).client;
    const kettle = track.client(await connect(url, { auth: { token: kettleToken } })).client;
    const seen = [wall, annPanel].map(record);

    const wallGone = letGo(wall);
    expect((await chadburn(dir, ["token", "revoke", "wall"])).out).toBe("Token wall revoked.\n");
    expect(await within(wallGone, "the revoked token's socket to be disconnected", 2000)).toEqual({
      reason: "io server disconnect",
      refused: "the API token is not valid (unknown, revoked or mistyped)",
    });
    expect(annPanel.connected).toBe(true);
    expect((await getJson(`${url}/api/state`, { headers: { authorization: `Bearer ${wallToken}` } })).status).toBe(401);

    const annGone = letGo(annPanel);
    expect((await chadburn(dir, ["user", "remove", "Ann"])).out).toBe("Ann removed.\n");
    expect(await within(annGone, "the removed person's socket to be disconnected", 2000)).toEqual({
      reason: "io server disconnect",
      refused: "your session ended: sign in again",
    });
    expect((await getJson(`${url}/api/session`, { headers: ann })).body).toEqual({ role: null, via: "anonymous", ended: true });

    const ordered = stateWhere(kettle, (s) => s.order?.position === 7);
    expect((await postJson(`${url}/api/order`, { position: 7 }, { authorization: `Bearer ${kettleToken}` })).status).toBe(200);
    await within(ordered, "the order on the kettle's socket");
    expect(seen.flat().filter((s) => s.order)).toEqual([]);
  });

  it("under --anonymous crew, a role change and a removal reach the person's open panel within 2 s, as an admin's do", async () => {
    const dir = track.dir(await tempDir());
    const { url } = track.server(await spawnServer(dir, { args: ["--anonymous", "crew"] }));
    const ann = await person(url, dir, "Ann", "bridge");
    const { client, you } = track.client(await connect(url, { extraHeaders: ann }));
    expect(you).toEqual({ role: "bridge", name: "Ann", via: "session" });

    let told = nextYou(client, 2000 + 30_000); // counted from the command's exit below
    await chadburn(dir, ["user", "role", "Ann", "crew"]);
    const start = Date.now();
    expect(await told).toEqual({ role: "crew", name: "Ann", via: "session" });
    expect(Date.now() - start).toBeLessThan(2000);

    told = nextYou(client, 2000 + 30_000);
    await chadburn(dir, ["user", "remove", "Ann"]);
    const removed = Date.now();
    expect(await told).toEqual({ role: "crew", via: "anonymous", ended: true });
    expect(Date.now() - removed).toBeLessThan(2000);
    expect(await client.emitWithAck("order", { position: 7 })).toEqual({ ok: false, error: "sending orders needs the bridge role" });
  });
});

describe("the sign-in lockout", () => {
  const from = (address: string) => ({ "x-forwarded-for": address });

  it(`${SIGN_INS_PER_MINUTE} wrong passwords at once are locked as ${SIGN_INS_PER_MINUTE} in a row are: from the ${FREE_FAILURES + 2}th on, 429`, async () => {
    const server = track.server(await startServer({ anonymous: "crew", trustProxy: ["loopback"] }));
    await signInAdmin(server);
    const tries = Array.from({ length: SIGN_INS_PER_MINUTE }, (_, i) => signIn(server.url, "admin", `guess ${i}`, from("203.0.113.5")));
    const statuses = (await Promise.all(tries)).map((res) => res.status).sort();
    expect(statuses).toEqual([...Array(FREE_FAILURES + 1).fill(401), ...Array(SIGN_INS_PER_MINUTE - FREE_FAILURES - 1).fill(429)]);
  });

  it("wrong guesses from one address do not lock the person out at another", async () => {
    const server = track.server(await startServer({ anonymous: "crew", trustProxy: ["loopback"] }));
    await signInAdmin(server);
    for (let i = 0; i <= FREE_FAILURES; i++) expect((await signIn(server.url, "ADMIN ", `guess ${i}`, from("203.0.113.5"))).status).toBe(401);
    expect(await signIn(server.url, "admin", PASSWORD, from("203.0.113.5"))).toMatchObject({
      status: 429,
      body: { error: 'too many failed sign-ins as "admin": try again in 30 s' },
    });
    expect(await signIn(server.url, "admin", PASSWORD, from("198.51.100.7"))).toMatchObject({ status: 200, body: { name: "admin" } });
  });

  it("an address the person signed in from lately is not locked for them, though a guesser shares it (a NAT)", async () => {
    const server = track.server(await startServer({ anonymous: "crew", trustProxy: ["loopback"] }));
    await signInAdmin(server);
    const office = from("198.51.100.7");
    expect((await signIn(server.url, "admin", PASSWORD, office)).status).toBe(200);
    for (let i = 0; i <= FREE_FAILURES + 1; i++) expect((await signIn(server.url, "Admin", `guess ${i}`, office)).status).toBe(401);
    expect((await signIn(server.url, "admin", PASSWORD, office)).status).toBe(200);
    // Elsewhere the name still locks.
    for (let i = 0; i <= FREE_FAILURES; i++) await signIn(server.url, "admin", `guess ${i}`, from("192.0.2.44"));
    expect((await signIn(server.url, "admin", PASSWORD, from("192.0.2.44"))).status).toBe(429);
  });

  // The lockout itself, on its own clock: 20,000 sign-ins over HTTP would cost 20,000 password hashes.
  it("a flood of made-up names cannot lift a lock, and is forgotten (bounded memory)", () => {
    let now = 0;
    const lock = lockout(() => now);
    for (let i = 0; i <= FREE_FAILURES; i++) lock.failed("admin", "203.0.113.5");
    expect(lock.wait("admin", "203.0.113.5")).toBe(FIRST_LOCK_MS);
    for (let i = 0; i < 20_000; i++) lock.failed(`made-up ${i}`, `203.0.113.${i % 200}`);
    now += 1000;
    expect(lock.wait("admin", "203.0.113.5")).toBe(FIRST_LOCK_MS - 1000);
    // The first made-up name's failure was dropped: 5 more do not lock it.
    for (let i = 0; i < FREE_FAILURES; i++) lock.failed("made-up 0", "203.0.113.0");
    expect(lock.wait("made-up 0", "203.0.113.0")).toBe(0);
  });
});

describe("sessions", () => {
  /** The store seen from outside the server, as the `chadburn` command sees it, with the one session's last use. */
  function sessionsOf(server: TestServer) {
    const store = openStore(server.dir);
    track.child({ stop: async () => void store.close() });
    return {
      lastUsed: () => store.prepare<[], { last_used: string }>("SELECT last_used FROM sessions").get()!.last_used,
      /** Sets the last use `ms` ago; returns it. */
      usedAgo(ms: number) {
        const at = new Date(Date.now() - ms).toISOString();
        store.prepare("UPDATE sessions SET last_used = ?").run(at);
        return at;
      },
    };
  }

  it("a session unused for 7 days ends; its last use is written at most once an hour", async () => {
    const server = track.server(await startServer({ anonymous: "crew" }));
    const cookie = await signInAdmin(server);
    const session = sessionsOf(server);
    const halfHourAgo = session.usedAgo(30 * 60_000);
    expect((await getJson(`${server.url}/api/session`, { headers: cookie })).body.name).toBe("admin");
    expect(session.lastUsed()).toBe(halfHourAgo);
    session.usedAgo(2 * 3600_000);
    const before = Date.now();
    expect((await getJson(`${server.url}/api/session`, { headers: cookie })).body.name).toBe("admin");
    expect(Date.parse(session.lastUsed())).toBeGreaterThanOrEqual(before - 1000);

    session.usedAgo(7 * DAY_MS + 60_000);
    expect((await getJson(`${server.url}/api/session`, { headers: cookie })).body).toEqual({ role: "crew", via: "anonymous", ended: true });
  });

  it("an open panel keeps its session in use when panels are looked at again; one gone idle is told within 2 s", async () => {
    const server = track.server(await startServer({ anonymous: "crew" }));
    const cookie = await signInAdmin(server);
    const { client } = track.client(await connect(server.url, { extraHeaders: cookie }));
    const session = sessionsOf(server);
    // A change to the store from another process has the server look at every open panel again (as it does each hour).
    session.usedAgo(2 * 3600_000);
    await waitFor(() => Date.parse(session.lastUsed()) > Date.now() - 60_000, "the open panel's session to be noted as used", 2000);
    const told = nextYou(client, 2000);
    session.usedAgo(7 * DAY_MS + 60_000);
    expect(await told).toEqual({ role: "crew", via: "anonymous", ended: true });
  });

  it("signing in from a browser that has a session ends that session, on its open panels too", async () => {
    const server = track.server(await startServer({ anonymous: "crew" }));
    const first = await signInAdmin(server);
    const { client } = track.client(await connect(server.url, { extraHeaders: first }));
    const invited = await postJson(`${server.url}/api/people`, { name: "Bob", role: "bridge" }, first);
    const told = nextYou(client);
    // The same browser, still sending the admin's cookie, takes Bob's link.
    const bob = await claim(server.url, invited.body.link, { headers: first });
    expect((await getJson(`${server.url}/api/session`, { headers: first })).body).toEqual({ role: "crew", via: "anonymous", ended: true });
    expect(await told).toEqual({ role: "crew", via: "anonymous", ended: true });
    expect((await getJson(`${server.url}/api/session`, { headers: bob })).body.name).toBe("Bob");

    // With a password too: Bob's browser signs in as admin, and Bob's session there ends.
    const again = await signIn(server.url, "admin", PASSWORD, bob);
    expect(again.status).toBe(200);
    expect((await getJson(`${server.url}/api/session`, { headers: bob })).body.ended).toBe(true);
    expect((await getJson(`${server.url}/api/session`, { headers: sent(cookieOf(again.headers)) })).body.name).toBe("admin");
  });
});
