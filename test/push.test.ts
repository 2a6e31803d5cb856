// Web Push against a running server and a push service of the test's own on loopback
// (test/support/push-service.ts): every new order reaches every subscription, encrypted for it and signed
// with the server's VAPID key; gone subscriptions are dropped; a push service that fails is
// retried, one that hangs delays no panel; and nobody can point the server at its own network.
import { readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_SLUG } from "../lib/telegraphs";
import { isPrivateAddress, publicLookup } from "../server/push/endpoint";
import type { PushSettings } from "../server/push/send";
import { SUBSCRIPTIONS_PER_MINUTE } from "../server/push/routes";
import { STORE_FILE } from "../server/store/store";
import { VAPID_FILE } from "../server/push/vapid";
import { claim, signInAdmin } from "./support/accounts";
import { q, sh, tempDir } from "./support/files";
import { getJson, postJson } from "./support/http";
import { connect, seqOf, stateWhere } from "./support/panels";
import { pushRig, subscribe } from "./support/push";
import type { PushService, TestSubscription } from "./support/push-service";
import { type ServerOptions, type TestServer, startServer } from "./support/server";
import { tracker } from "./support/track";
import { waitFor, within } from "./support/wait";

const track = tracker();
const rig = pushRig(track);
afterEach(() => rig.cleanup());

/** Quick retries, so a test that retries takes milliseconds. */
const FAST: PushSettings = { insecureEndpoints: true, retryDelayMs: 20 };

const setup = (push: PushSettings = FAST, options?: ServerOptions, latencyMs?: number) => rig.setup(push, options, latencyMs);

const call = (server: TestServer, method: string, route: string, body: unknown, headers: Record<string, string> = {}) =>
  getJson(`${server.url}${route}`, { method, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

/** The telegraph's host gives an order: it writes the status file. */
const write = (server: TestServer, position: number | string) => sh(`echo ${position} > ${q(server.statusFile)}`);

/** The endpoints the server's store holds now, read beside it as the `chadburn` command would. */
function stored(server: TestServer): { endpoint: string; person_id: number | null; last_ok: string | null }[] {
  const db = new Database(path.join(server.dir, STORE_FILE), { readonly: true });
  try {
    return db.prepare("SELECT endpoint, person_id, last_ok FROM push_subscriptions ORDER BY created_at").all() as never;
  } finally {
    db.close();
  }
}
const endpoints = (server: TestServer) => stored(server).map((row) => row.endpoint);

describe("the VAPID keys", () => {
  it("are made on the first start, kept in the data folder readable by the server's user only, and the same after a restart", async () => {
    const { server } = await setup();
    const { status, body } = await getJson(`${server.url}/api/push/key`);
    expect(status).toBe(200);
    expect(Buffer.from(body.publicKey, "base64url")).toHaveLength(65);
    const file = path.join(server.dir, VAPID_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await server.stop();
    const again = track.server(await startServer({ dir: server.dir, push: FAST }));
    expect((await getJson(`${again.url}/api/push/key`)).body).toEqual({ publicKey: body.publicKey });
  });

  it("a damaged vapid.json stops the start with one line naming it, and is left as it is", async () => {
    const dir = track.dir(await tempDir());
    writeFileSync(path.join(dir, VAPID_FILE), '{"publicKey": "short", "privateKey": "x", "subject": "mailto:a@b"}');
    await expect(startServer({ dir, push: FAST })).rejects.toThrow(
      /vapid\.json: publicKey must be 65 bytes \(delete it to make new keys; every browser then has to subscribe again\)$/,
    );
    expect(readFileSync(path.join(dir, VAPID_FILE), "utf8")).toContain('"short"');
  });

  it("GET /api/push/key needs the viewer role", async () => {
    const { server } = await setup(FAST, { anonymous: "none" });
    expect((await getJson(`${server.url}/api/push/key`)).status).toBe(401);
  });
});

describe("every new order is pushed", () => {
  it("an order written to the status file reaches the push service, signed with the server's key and decrypted with the subscription's", async () => {
    const { server, service } = await setup();
    const sub = await subscribe(server, service.subscribe());
    const { publicKey } = (await getJson(`${server.url}/api/push/key`)).body;
    await write(server, 7);
    const push = await within(sub.push(), "the push");
    expect(push.payload).toEqual({ seq: 1, position: 7, label: "COFFEE", at: expect.any(String) });
    expect(Date.parse(push.payload.at)).toBeGreaterThan(Date.now() - 10_000);
    expect(push.key).toBe(publicKey);
    expect(push.claims).toMatchObject({ aud: service.origin, sub: "mailto:chadburn@localhost" });
    // Urgent; kept 10 minutes for a device that is away; replaced there by the telegraph's next order (its slug is the topic).
    expect(push.headers).toMatchObject({ urgency: "high", ttl: "600", topic: DEFAULT_SLUG, "content-encoding": "aes128gcm" });
    expect(service.refused).toEqual([]);
    await waitFor(() => stored(server)[0].last_ok, "last_ok to be noted");
  });

  it("each new order once, from any source, with who gave it; answers and the same order again push nothing", async () => {
    const { server, service } = await setup();
    const sub = await subscribe(server, service.subscribe());
    await write(server, 7);
    await within(sub.push(1), "the first push");
    expect((await postJson(`${server.url}/api/answer`, { position: 7 })).status).toBe(200);
    expect((await postJson(`${server.url}/api/order`, { position: 7 })).status).toBe(200); // the current order: no change
    expect((await postJson(`${server.url}/api/order`, { position: "lunch", by: "Ann" })).status).toBe(200);
    const second = await within(sub.push(2), "the second push");
    expect(second.payload).toEqual({ seq: 2, position: 8, label: "LUNCH", at: expect.any(String), by: "Ann" });
    expect(sub.requests).toBe(2);
  });

  it("a browser that muted a position gets no push for it; others do, and the next order reaches it", async () => {
    const { server, service } = await setup();
    const quiet = service.subscribe();
    const res = await call(server, "POST", "/api/push/subscriptions", { ...quiet.json, muted: ["coffee", "siwoti"] });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const loud = await subscribe(server, service.subscribe());
    await write(server, 7);
    await within(loud.push(1), "the push to the browser that did not mute COFFEE");
    await write(server, 8);
    // Pushes of one order go out together: once LUNCH reached the quiet browser, COFFEE was passed over.
    expect((await within(quiet.push(1), "LUNCH on the quiet browser")).payload).toMatchObject({ seq: 2, label: "LUNCH" });
    expect(quiet.requests).toBe(1);
    const bad = await call(server, "POST", "/api/push/subscriptions", { ...quiet.json, muted: ["Not A Name"] });
    expect(bad).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^muted\.0: /) } });
  });

  it("200 subscriptions each get the order once, never more than `concurrency` requests at a time", async () => {
    // 20 ms away: in this one process, an instant answer would leave nothing in flight to count.
    const { server, service } = await setup({ ...FAST, concurrency: 20 }, { trustProxy: ["loopback"] }, 20);
    const subs: TestSubscription[] = [];
    for (let batch = 0; batch < 10; batch++) {
      // Each from an address of its own: one address may subscribe only so often.
      const some = Array.from({ length: 20 }, (_, i) =>
        subscribe(server, service.subscribe(), { "x-forwarded-for": `198.51.100.${batch * 20 + i}` }),
      );
      subs.push(...(await Promise.all(some)));
    }
    await write(server, 7);
    const pushes = await within(Promise.all(subs.map((s) => s.push())), "200 pushes", 15_000);
    expect(pushes.every((p) => p.payload.seq === 1 && p.payload.label === "COFFEE")).toBe(true);
    expect(subs.every((s) => s.requests === 1)).toBe(true);
    expect(service.peak).toBeLessThanOrEqual(20);
    expect(service.peak).toBeGreaterThan(1); // concurrently, not one after another
  });

  it("a subscription made signed in belongs to the person, and goes when they are removed", async () => {
    const { server, service } = await setup(FAST, { anonymous: "crew" });
    const admin = await signInAdmin(server);
    const invited = await call(server, "POST", "/api/people", { name: "Bob", role: "crew" }, admin);
    const bob = await claim(server.url, invited.body.link);
    await subscribe(server, service.subscribe(), bob);
    const anonymous = await subscribe(server, service.subscribe());
    expect(stored(server).map((row) => row.person_id === null)).toEqual([false, true]);
    expect((await call(server, "DELETE", "/api/people/Bob", undefined, admin)).status).toBe(200);
    expect(endpoints(server)).toEqual([anonymous.json.endpoint]);
  });

  it("with --anonymous none, subscriptions made without signing in get nothing", async () => {
    const { server, service } = await setup({ ...FAST, concurrency: 1 }, { anonymous: "crew" });
    const anonymous = await subscribe(server, service.subscribe());
    await server.stop();
    const strict = track.server(await startServer({ dir: server.dir, anonymous: "none", push: { ...FAST, concurrency: 1 } }));
    const admin = await signInAdmin(strict);
    const signedIn = await subscribe(strict, service.subscribe(), admin);
    await write(strict, 7);
    await within(signedIn.push(), "the signed-in subscription's push");
    expect(anonymous.requests).toBe(0); // made first: with one push at a time, it would have come first
  });
});

describe("subscriptions that are gone, push services that fail", () => {
  it("a subscription answering 410 or 404 is dropped from the store; the others stay", async () => {
    const { server, service } = await setup();
    const gone = await subscribe(server, service.subscribe(410));
    const unknown = await subscribe(server, service.subscribe(404));
    const fine = await subscribe(server, service.subscribe());
    await write(server, 7);
    await within(Promise.all([gone.requested(), unknown.requested(), fine.push()]), "the pushes");
    await waitFor(() => endpoints(server).length === 1, "the gone subscriptions to be dropped");
    expect(endpoints(server)).toEqual([fine.json.endpoint]);
    expect(server.logs.filter((l) => /push: the subscription at http:\/\/127\.0\.0\.1:\d+ is gone \((410|404)\): removed/.test(l))).toHaveLength(2);
    await write(server, 8);
    await within(fine.push(2), "the next push");
    expect([gone.requests, unknown.requests]).toEqual([1, 1]); // never tried again
  });

  it("500, then 503, then success: retried with backoff, delivered once", async () => {
    const { server, service } = await setup({ ...FAST, retries: 2 });
    const sub = await subscribe(
      server,
      service.subscribe((n) => [500, 503][n - 1] ?? 201),
    );
    await write(server, 7);
    expect((await within(sub.push(), "the push after two retries")).payload).toMatchObject({ seq: 1, position: 7 });
    expect(sub.requests).toBe(3);
    expect(server.logs.filter((l) => l.startsWith("push of order"))).toEqual([]);
  });

  it("one that always fails is tried 1 + retries times and logged once, not on every order", async () => {
    const { server, service } = await setup({ ...FAST, retries: 2 });
    const sub = await subscribe(server, service.subscribe(500));
    const failures = () => server.logs.filter((l) => l.startsWith("push of order"));
    await write(server, 7);
    await within(sub.requested(3), "three tries");
    await waitFor(() => failures().length, "the failure in the log");
    expect(failures()).toEqual([
      expect.stringMatching(/^push of order #1 to http:\/\/127\.0\.0\.1:\d+ failed \(3 tries\): 500 test push service: 500; not logged again/),
    ]);
    await write(server, 8);
    await within(sub.requested(6), "three more tries");
    const next = await getJson(`${server.url}/api/state`); // the server is answering: the round ended or goes on; either way
    expect(next.status).toBe(200);
    expect(endpoints(server)).toEqual([sub.json.endpoint]); // failing is not gone
    expect(failures()).toHaveLength(1);
  });

  it("a push service that hangs delays no panel; its push times out later, and the others' arrive meanwhile", async () => {
    const { server, service } = await setup({ ...FAST, timeoutMs: 3000, retries: 0 });
    const hung = await subscribe(server, service.subscribe("hang"));
    const fine = await subscribe(server, service.subscribe());
    const { client } = track.client(await connect(server.url));
    await write(server, 7);
    await within(Promise.all([hung.requested(), fine.push()]), "the first order's pushes");
    // The hung push is still open: the next order reaches the panel as promptly as ever.
    const started = performance.now();
    const next = stateWhere(client, (s) => seqOf(s) === 2);
    await write(server, 8);
    const state = await within(next, "the panel's state", 1000);
    const took = performance.now() - started;
    expect(state.order).toMatchObject({ seq: 2, position: 8 });
    // As an order reaches a panel with no push at all (a few ms; well under a second on a loaded
    // machine), not after the hung push's 3 s deadline.
    expect(took).toBeLessThan(1000);
    expect(hung.received).toEqual([]);
    expect(server.logs.some((l) => l.includes("no answer within"))).toBe(false);
    await within(fine.push(2), "the healthy subscription's second push");
    // Then the deadline: abandoned, and said once.
    await waitFor(
      () => server.logs.find((l) => /push of order #1 to http:\/\/127\.0\.0\.1:\d+ failed: no answer within 3000 ms/.test(l)),
      "the timeout",
      6000,
    );
  });

  it("closing the server abandons a hung push at once", async () => {
    const { server, service } = await setup({ ...FAST, timeoutMs: 60_000 });
    const hung = await subscribe(server, service.subscribe("hang"));
    await write(server, 7);
    await within(hung.requested(), "the push");
    const started = performance.now();
    await within(server.stop(), "the server to stop", 3000);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe("subscribing and unsubscribing", () => {
  const valid = (service: PushService) => service.subscribe().json;

  it("refuses endpoints on the server's own network, and malformed subscriptions, with a clear error", async () => {
    const { server: strict, service } = await setup({ insecureEndpoints: false }, { trustProxy: ["loopback"] });
    const keys = valid(service).keys;
    let tries = 0;
    const refused = async (body: unknown, error: RegExp | string) => {
      // Refusals count toward the address's limit too: each from an address of its own.
      const res = await call(strict, "POST", "/api/push/subscriptions", body, { "x-forwarded-for": `198.51.100.${tries++}` });
      expect(res.status, JSON.stringify(body).slice(0, 200)).toBe(400);
      expect(res.body.error).toMatch(error);
    };
    await refused({ endpoint: "http://10.0.0.1/push/x", keys }, "endpoint: a push service's URL starts with https://");
    await refused({ endpoint: `${service.origin}/push/x`, keys }, "starts with https://");
    await refused({ endpoint: "http://localhost:8080/push", keys }, "starts with https://");
    for (const host of [
      "10.0.0.1",
      "127.0.0.1:8443",
      "[::1]",
      "192.168.1.20",
      "169.254.169.254",
      "[::ffff:10.0.0.1]",
      "[fd00::1]",
      "localhost",
      "printer.local",
      "intranet",
      "0x7f.1",
    ]) {
      await refused({ endpoint: `https://${host}/push/x`, keys }, /is not a public push service \(the server does not send to its own network\)/);
    }
    await refused({ endpoint: "not a url", keys }, "endpoint: not a URL");
    await refused({ endpoint: "https://user:pw@push.example.com/x", keys }, "holds no user or password");
    await refused({ endpoint: `https://push.example.com/${"x".repeat(3000)}`, keys }, "endpoint: at most 2048 characters");
    await refused({ endpoint: "https://push.example.com/x", keys: { ...keys, p256dh: "B".repeat(300) } }, "keys.p256dh: too long");
    await refused(
      { endpoint: "https://push.example.com/x", keys: { ...keys, p256dh: keys.p256dh.slice(1) } },
      "keys.p256dh: must be 65 bytes in base64url",
    );
    await refused({ endpoint: "https://push.example.com/x", keys: { ...keys, p256dh: `B${"A".repeat(86)}` } }, "keys.p256dh: not a point on P-256");
    await refused({ endpoint: "https://push.example.com/x", keys: { ...keys, auth: "short" } }, "keys.auth: must be 16 bytes in base64url");
    await refused({ endpoint: "https://push.example.com/x" }, /^keys: /);
    await refused([], /expected object/);
    expect(endpoints(strict)).toEqual([]);
    // A public push service's URL is taken.
    const fcm = { endpoint: "https://fcm.googleapis.com/fcm/send/dGVzdA:APA91b-test", expirationTime: null, keys, extra: "dropped" };
    expect((await call(strict, "POST", "/api/push/subscriptions", fcm)).status).toBe(201);
    expect(endpoints(strict)).toEqual([fcm.endpoint]);
  });

  it("refuses a page from another origin (403), and anyone who may not see (401)", async () => {
    const { server, service } = await setup();
    const foreign = await call(server, "POST", "/api/push/subscriptions", valid(service), { origin: "https://evil.example" });
    expect(foreign).toMatchObject({ status: 403, body: { error: "origin https://evil.example not allowed" } });
    const del = await call(server, "DELETE", "/api/push/subscriptions", { endpoint: "x" }, { origin: "https://evil.example" });
    expect(del.status).toBe(403);
    const { server: closed } = await setup(FAST, { anonymous: "none" });
    expect((await call(closed, "POST", "/api/push/subscriptions", valid(service))).status).toBe(401);
    expect(endpoints(server)).toEqual([]);
  });

  it("subscribing again renews (new keys); DELETE removes, and the removed subscription gets nothing more", async () => {
    const { server, service } = await setup({ ...FAST, concurrency: 1 });
    const removed = await subscribe(server, service.subscribe());
    await subscribe(server, removed); // the same again: still one
    const kept = await subscribe(server, service.subscribe());
    expect(endpoints(server)).toEqual([removed.json.endpoint, kept.json.endpoint]);
    const res = await call(server, "DELETE", "/api/push/subscriptions", { endpoint: removed.json.endpoint });
    // It followed the one telegraph: following none now, the server forgot it.
    expect(res).toMatchObject({ status: 200, body: { removed: true, following: 0 } });
    const again = await call(server, "DELETE", "/api/push/subscriptions", { endpoint: removed.json.endpoint });
    expect(again.body).toEqual({ removed: false, following: 0 });
    expect(endpoints(server)).toEqual([kept.json.endpoint]);
    await write(server, 7);
    await within(kept.push(), "the kept subscription's push");
    expect(removed.requests).toBe(0); // made first: with one push at a time, it would have come first
  });

  it(`one address may subscribe ${SUBSCRIPTIONS_PER_MINUTE} times a minute`, async () => {
    const { server, service } = await setup();
    for (let i = 0; i < SUBSCRIPTIONS_PER_MINUTE; i++) await subscribe(server, service.subscribe());
    const res = await call(server, "POST", "/api/push/subscriptions", valid(service));
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("60");
  });
});

describe("the server's own network is out of reach", () => {
  it("private, loopback, link-local and mapped addresses are not public; public ones are", () => {
    for (const a of [
      "127.0.0.1",
      "10.1.2.3",
      "172.16.0.1",
      "192.168.0.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "::1",
      "::",
      "fe80::1",
      "fd12::1",
      "::ffff:127.0.0.1",
      "::ffff:a00:1",
      "224.0.0.1",
    ]) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ["142.250.74.10", "2a00:1450:4001:80b::200a", "8.8.8.8"]) expect(isPrivateAddress(a), a).toBe(false);
  });

  it("a name that resolves to the server's own network is refused when connecting", async () => {
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => publicLookup("localhost", { all: true } as never, (e) => resolve(e)));
    expect(error).toMatchObject({ code: "EPRIVATE", message: expect.stringMatching(/^localhost resolves to .*, not a public address$/) });
  });
});
