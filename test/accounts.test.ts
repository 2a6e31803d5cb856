// People signing in against a running server: the first admin's link in the log, passwords,
// session cookies, invitations, and ending sessions, which open panels learn of at once.
import { afterEach, describe, expect, it } from "vitest";
import type { AuditEntry } from "../lib/protocol";
import { AUDIT_LIMIT } from "../lib/routes";
import { SIGN_INS_PER_MINUTE } from "../server/gateway/accounts";
import { audit } from "../server/people/audit";
import { FREE_FAILURES } from "../server/people/lockout";
import { openStore } from "../server/store/store";
import { PASSWORD, call, claim, codeOf, cookieOf, firstInvite, nextYou, sent, signInAdmin } from "./support/accounts";
import { getJson, postJson } from "./support/http";
import { connect, letGo } from "./support/panels";
import { type TestServer, startServer } from "./support/server";
import { tracker } from "./support/track";
import { within } from "./support/wait";

const track = tracker();
afterEach(() => track.cleanup());

describe("the first start", () => {
  it("logs a one-time link for the admin; it sets a password, signs in with an HttpOnly cookie, and works once", async () => {
    const server = track.server(await startServer({ anonymous: "crew" }));
    const link = firstInvite(server);
    expect(link).toMatch(new RegExp(`^${server.url}/welcome#signin_[\\w-]{43}$`));
    expect((await postJson(`${server.url}/api/link`, { code: codeOf(link) })).body).toEqual({ name: "admin", role: "admin" });

    const short = await postJson(`${server.url}/api/session`, { code: codeOf(link), password: "short" });
    expect(short).toMatchObject({ status: 400, body: { error: "password: a password needs at least 8 characters" } });

    const res = await postJson(`${server.url}/api/session`, { code: codeOf(link), password: PASSWORD });
    expect(res).toMatchObject({ status: 200, body: { role: "admin", name: "admin", via: "session" } });
    const cookie = cookieOf(res.headers);
    expect(cookie).toMatch(/^chadburn_session=session_[\w-]{43}; Max-Age=2592000; Path=\/; HttpOnly; SameSite=Lax$/);
    expect((await getJson(`${server.url}/api/session`, { headers: sent(cookie) })).body).toEqual({ role: "admin", name: "admin", via: "session" });

    const again = await postJson(`${server.url}/api/session`, { code: codeOf(link), password: PASSWORD });
    expect(again).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^this sign-in link does not work/) } });
    expect((await postJson(`${server.url}/api/link`, { code: codeOf(link) })).status).toBe(400);
  });

  it("once the admin has a password, a restart logs no link", async () => {
    const first = await startServer({ anonymous: "crew" });
    await signInAdmin(first);
    await first.stop();
    const second = track.server(await startServer({ dir: first.dir, anonymous: "crew" }));
    expect(second.logs.some((l) => l.includes("/welcome#"))).toBe(false);
  });
});

describe("signing in with a password", () => {
  it("wrong passwords are refused, noted, and lock the name with a growing wait; the right one gets in", async () => {
    const server = track.server(await startServer({ anonymous: "crew", trustProxy: ["loopback"] }));
    const cookie = await signInAdmin(server);
    // From an address the admin has not signed in from (that one is never locked for them: hostile-accounts.test.ts).
    const elsewhere = { "x-forwarded-for": "203.0.113.5" };
    for (let i = 0; i <= FREE_FAILURES; i++) {
      const wrong = await postJson(`${server.url}/api/session`, { name: "admin", password: `guess ${i}` }, elsewhere);
      expect(wrong).toMatchObject({ status: 401, body: { error: "wrong name or password" } });
      expect(wrong.headers.getSetCookie()).toEqual([]);
    }
    // Locked: even the right password waits, and so does the name in another case.
    const locked = await postJson(`${server.url}/api/session`, { name: "ADMIN", password: PASSWORD }, elsewhere);
    expect(locked).toMatchObject({ status: 429, body: { error: expect.stringMatching(/^too many failed sign-ins as "ADMIN": try again in 30 s$/) } });
    expect(locked.headers.get("retry-after")).toBe("30");
    // Someone who does not exist is told exactly what someone who does is.
    expect((await postJson(`${server.url}/api/session`, { name: "nobody", password: PASSWORD })).body).toEqual({ error: "wrong name or password" });

    const log = (await call(server, "GET", "/api/audit", cookie)).body.entries;
    expect(log.filter((e: { detail: string }) => e.detail.startsWith('failed as "admin"'))).toHaveLength(FREE_FAILURES + 1);
    expect(log[0]).toMatchObject({ who: "anonymous", address: "127.0.0.1", action: "sign-in", detail: 'failed as "nobody": wrong name or password' });
  });

  it(`one address may try ${SIGN_INS_PER_MINUTE} sign-ins a minute`, async () => {
    const server = track.server(await startServer({ anonymous: "crew" }));
    await Promise.all(
      Array.from({ length: SIGN_INS_PER_MINUTE }, (_, i) => postJson(`${server.url}/api/session`, { name: `someone ${i}`, password: "x" })),
    );
    const refused = await postJson(`${server.url}/api/session`, { name: "admin", password: PASSWORD });
    expect(refused).toMatchObject({
      status: 429,
      body: { error: expect.stringMatching(/^too many sign-ins from this address: try again in \d+ s$/) },
    });
  });

  it("a sign-in from another site's page is refused before any password is checked", async () => {
    const server = track.server(await startServer({ anonymous: "crew" }));
    const res = await postJson(`${server.url}/api/session`, { name: "admin", password: PASSWORD }, { origin: "https://evil.example" });
    expect(res.status).toBe(403);
  });
});

describe("invitations and roles", () => {
  it("an admin invites Bob as bridge; Bob signs in and gives orders in his own name, over socket.io too", async () => {
    const server = track.server(await startServer({ anonymous: "crew" }));
    const cookie = await signInAdmin(server);
    const invited = await call(server, "POST", "/api/people", { ...cookie, origin: server.url }, { name: "Bob", role: "bridge" });
    expect(invited).toMatchObject({ status: 201, body: { person: { name: "Bob", role: "bridge", hasPassword: false, sessions: 0 } } });
    expect(invited.body.link).toMatch(new RegExp(`^${server.url}/welcome#signin_`));
    const bob = await claim(server.url, invited.body.link);

    const { client, you } = track.client(await connect(server.url, { extraHeaders: bob }));
    expect(you).toEqual({ role: "bridge", name: "Bob", via: "session" });
    expect(await client.emitWithAck("order", { position: 7, by: "Mallory" })).toEqual({ ok: true });
    expect(await client.emitWithAck("hello", { panel: "bobs-panel-1", name: "Mallory" })).toEqual({ ok: true });
    const state = (await getJson(`${server.url}/api/state`)).body;
    expect(state.order).toMatchObject({ position: 7, by: "Bob", source: "panel" });
    expect(state.presence.people).toEqual([expect.objectContaining({ name: "Bob", panels: 1 })]);

    const people = (await call(server, "GET", "/api/people", cookie)).body.people;
    expect(people).toEqual([
      expect.objectContaining({ name: "admin", role: "admin", hasPassword: true, sessions: 1 }),
      expect.objectContaining({ name: "Bob", role: "bridge", hasPassword: true, sessions: 1 }),
    ]);
    const log = (await call(server, "GET", "/api/audit", cookie)).body.entries.map((e: { who: string; detail: string }) => `${e.who}: ${e.detail}`);
    expect(log).toEqual([
      "Bob: order #1 7 COFFEE from panel by Bob",
      "Bob: signed in with a one-time link and set a password",
      "admin: invited Bob as bridge",
      "admin: signed in with a one-time link and set a password",
    ]);
  });

  it("crew may not invite, anonymous may not look, a wrong Origin may not change; nothing changes", async () => {
    const server = track.server(await startServer({ anonymous: "crew" }));
    const cookie = await signInAdmin(server);
    const { link } = (await call(server, "POST", "/api/people", cookie, { name: "Cy", role: "crew" })).body;
    const cy = await claim(server.url, link);

    expect(await call(server, "POST", "/api/people", cy, { name: "Eve", role: "admin" })).toMatchObject({
      status: 403,
      body: { error: "managing people needs the admin role" },
    });
    expect(await call(server, "PATCH", "/api/people/Cy", cy, { role: "admin" })).toMatchObject({ status: 403 });
    expect(await call(server, "GET", "/api/people", {})).toMatchObject({ status: 401, body: { error: "managing people needs the admin role" } });
    expect(await call(server, "GET", "/api/audit", { cookie: "chadburn_session=session_forged" })).toMatchObject({ status: 401 });
    expect(await call(server, "DELETE", "/api/people/Cy", { ...cookie, origin: "https://evil.example" })).toMatchObject({ status: 403 });
    expect(await call(server, "PATCH", "/api/people/admin", cookie, { role: "crew" })).toMatchObject({
      status: 400,
      body: { error: expect.stringMatching(/last admin/) },
    });
    expect(await call(server, "PATCH", "/api/people/Nobody", cookie, { role: "crew" })).toMatchObject({
      status: 400,
      body: { error: 'no one is called "Nobody"' },
    });
    expect((await call(server, "GET", "/api/people", cookie)).body.people.map((p: { name: string; role: string }) => `${p.name} ${p.role}`)).toEqual([
      "admin admin",
      "Cy crew",
    ]);
  });

  it("a role change reaches the person's open panel at once", async () => {
    const server = track.server(await startServer({ anonymous: "viewer" }));
    const cookie = await signInAdmin(server);
    const cy = await claim(server.url, (await call(server, "POST", "/api/people", cookie, { name: "Cy", role: "crew" })).body.link);
    const { client, you } = track.client(await connect(server.url, { extraHeaders: cy }));
    expect(you.role).toBe("crew");
    const told = nextYou(client);
    await call(server, "PATCH", "/api/people/cy", cookie, { role: "bridge" });
    expect(await told).toEqual({ role: "bridge", name: "Cy", via: "session" });
    expect(await client.emitWithAck("order", { position: 6 })).toEqual({ ok: true });
  });
});

describe("the audit log", () => {
  it(`sends the latest ?limit= entries, newest first, at most ${AUDIT_LIMIT}; a limit that is not a whole number from 1 is a 400`, async () => {
    const server = track.server(await startServer({ anonymous: "crew" }));
    const cookie = await signInAdmin(server);
    const store = openStore(server.dir);
    const log = audit(store);
    for (let i = 1; i <= AUDIT_LIMIT + 5; i++) log.record({ who: "test", address: "local", action: "user", detail: `entry ${i}` });
    store.close();
    const details = async (query: string) => (await call(server, "GET", `/api/audit${query}`, cookie)).body.entries.map((e: AuditEntry) => e.detail);

    expect(await details("?limit=3")).toEqual([`entry ${AUDIT_LIMIT + 5}`, `entry ${AUDIT_LIMIT + 4}`, `entry ${AUDIT_LIMIT + 3}`]);
    expect(await details("")).toHaveLength(AUDIT_LIMIT);
    expect(await details(`?limit=${AUDIT_LIMIT * 100}`)).toHaveLength(AUDIT_LIMIT);
    for (const bad of ["0", "-1", "2.5", "ten", ""]) {
      const refused = await call(server, "GET", `/api/audit?limit=${bad}`, cookie);
      expect(refused, `?limit=${bad}`).toMatchObject({
        status: 400,
        body: { error: `limit: a whole number, 1 or more (at most ${AUDIT_LIMIT} entries are sent)` },
      });
    }
  });
});

describe("ending sessions", () => {
  async function bobOnAPanel(server: TestServer) {
    const cookie = await signInAdmin(server);
    const bob = await claim(server.url, (await call(server, "POST", "/api/people", cookie, { name: "Bob", role: "bridge" })).body.link);
    const { client } = track.client(await connect(server.url, { extraHeaders: bob }));
    return { cookie, bob, client };
  }

  it("an admin signs Bob out everywhere: his panel is told, his orders stop, his cookie is cleared, and reconnecting is anonymous", async () => {
    const server = track.server(await startServer({ anonymous: "crew" }));
    const { cookie, bob, client } = await bobOnAPanel(server);
    const told = nextYou(client);
    expect((await call(server, "DELETE", "/api/people/Bob/sessions", cookie)).body.person).toMatchObject({ name: "Bob", sessions: 0 });
    expect(await told).toEqual({ role: "crew", via: "anonymous", ended: true });
    expect(await client.emitWithAck("order", { position: 11 })).toEqual({ ok: false, error: "sending orders needs the bridge role" });

    const res = await getJson(`${server.url}/api/session`, { headers: bob });
    expect(res.body).toEqual({ role: "crew", via: "anonymous", ended: true });
    expect(cookieOf(res.headers)).toMatch(/^chadburn_session=; Max-Age=0;/);
    const again = track.client(await connect(server.url, { extraHeaders: bob }));
    expect(again.you).toEqual({ role: "crew", via: "anonymous", ended: true });
    // socket.io's handshake clears the dead cookie too, so a panel is told only once.
    const handshake = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`, { headers: bob });
    expect(cookieOf(handshake.headers)).toMatch(/^chadburn_session=; Max-Age=0;/);
    expect(await postJson(`${server.url}/api/order`, { position: 11 }, bob)).toMatchObject({ status: 401 });
  });

  it("signing out ends only this browser's session; signing out everywhere ends them all", async () => {
    const server = track.server(await startServer({ anonymous: "crew" }));
    const adminCookie = await signInAdmin(server);
    const second = sent(cookieOf((await postJson(`${server.url}/api/session`, { name: "admin", password: PASSWORD })).headers));
    const out = await call(server, "DELETE", "/api/session", adminCookie);
    expect(out.body).toEqual({ role: "crew", via: "anonymous" });
    expect(cookieOf(out.headers)).toMatch(/^chadburn_session=; Max-Age=0;/);
    expect((await getJson(`${server.url}/api/session`, { headers: adminCookie })).body.ended).toBe(true);
    expect((await getJson(`${server.url}/api/session`, { headers: second })).body.name).toBe("admin");

    const third = sent(cookieOf((await postJson(`${server.url}/api/session`, { name: "admin", password: PASSWORD })).headers));
    expect((await call(server, "DELETE", "/api/sessions", second)).status).toBe(200);
    for (const gone of [second, third]) expect((await getJson(`${server.url}/api/session`, { headers: gone })).body.ended).toBe(true);
  });

  it("an expired session is anonymous; a removed person's panel is told", async () => {
    const server = track.server(await startServer({ anonymous: "viewer" }));
    const { cookie, bob, client } = await bobOnAPanel(server);
    const store = openStore(server.dir);
    store.prepare("UPDATE sessions SET expires_at = '2000-01-01T00:00:00.000Z' WHERE person_id = (SELECT id FROM people WHERE name = 'admin')").run();
    store.close();
    expect((await getJson(`${server.url}/api/session`, { headers: cookie })).body).toEqual({ role: "viewer", via: "anonymous", ended: true });

    const fresh = sent(cookieOf((await postJson(`${server.url}/api/session`, { name: "admin", password: PASSWORD })).headers));
    const told = nextYou(client);
    expect((await call(server, "DELETE", "/api/people/Bob", fresh)).status).toBe(200);
    expect(await told).toEqual({ role: "viewer", via: "anonymous", ended: true });
    expect((await getJson(`${server.url}/api/session`, { headers: bob })).body.ended).toBe(true);
  });

  it("under --anonymous none, a panel whose session ends is disconnected", async () => {
    const server = track.server(await startServer({ anonymous: "none" }));
    const { cookie, client } = await bobOnAPanel(server);
    const gone = letGo(client);
    await call(server, "DELETE", "/api/people/Bob/sessions", cookie);
    expect(await within(gone, "the disconnect")).toEqual({ reason: "io server disconnect", refused: "your session ended: sign in again" });
  });
});
