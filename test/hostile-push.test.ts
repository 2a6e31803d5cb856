// Hostile Web Push subscriptions against a running server: endpoints that hang or fail cannot
// crowd out real ones (those that work go first, failing ones go after a few failures, a cap per
// subscriber), and no spelling of an address of the server's own network gets a push, whether
// written in the endpoint or answered by DNS when the push is sent.
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DEFAULT_SLUG } from "../lib/telegraphs";
import { isPublicAddress } from "../server/push/endpoint";
import type { PushSettings } from "../server/push/send";
import { MAX_FAILURES, MAX_PER_SUBSCRIBER } from "../server/push/subscriptions";
import { STORE_FILE } from "../server/store/store";
import { signInAdmin } from "./support/accounts";
import { q, sh } from "./support/files";
import { postJson } from "./support/http";
import { pushRig, subscribe } from "./support/push";
import { type ServerOptions, type TestServer, startServer } from "./support/server";
import { tracker } from "./support/track";
import { waitFor, within } from "./support/wait";

// DNS as the test says for names under .example (the server asks node:dns for every push's
// connection); every other name is resolved for real.
const answers = vi.hoisted(() => new Map<string, { address: string; family: number }[]>());
vi.mock("node:dns", async (original) => {
  const dns = await original<typeof import("node:dns")>();
  const lookup = (hostname: string, options: any, callback: any) => {
    const fake = answers.get(hostname);
    if (!fake) return dns.lookup(hostname, options, callback);
    setImmediate(() => (options.all ? callback(null, fake) : callback(null, fake[0].address, fake[0].family)));
  };
  return { ...dns, lookup, default: { ...dns, lookup } };
});

const track = tracker();
const rig = pushRig(track);
afterEach(async () => {
  await rig.cleanup();
  answers.clear();
});

/** The test's push service is http:// on loopback: only `insecureEndpoints` lets the server push to it. */
const TEST_SERVICE: PushSettings = { insecureEndpoints: true, retryDelayMs: 20, retries: 0 };
/** As deployed: endpoints must be https:// on port 443 of a public address. */
const STRICT: PushSettings = { insecureEndpoints: false, retries: 0 };

/** The server trusts loopback's X-Forwarded-For: each request says which address it comes from. */
const setup = (push: PushSettings, options: ServerOptions = {}) => rig.setup(push, { trustProxy: ["loopback"], ...options });
const from = (address: string, headers: Record<string, string> = {}) => ({ "x-forwarded-for": address, ...headers });

/** POST /api/push/subscriptions from `address`, whatever the answer. */
const post = (server: TestServer, body: unknown, address: string, headers: Record<string, string> = {}) =>
  postJson(`${server.url}/api/push/subscriptions`, body, from(address, headers));

/** The telegraph's host gives an order. */
const write = (server: TestServer, position: number) => sh(`echo ${position} > ${q(server.statusFile)}`);

type Row = { endpoint: string; failures: number; last_ok: string | null };
/** The server's store, opened beside it as the `chadburn` command would. */
function db<T>(server: TestServer, use: (db: Database.Database) => T, readonly = true): T {
  const handle = new Database(path.join(server.dir, STORE_FILE), { readonly });
  try {
    return use(handle);
  } finally {
    handle.close();
  }
}
const rows = (server: TestServer): Row[] =>
  db(server, (d) => d.prepare("SELECT * FROM push_subscriptions").all() as Row[]).map(({ endpoint, failures, last_ok }) => ({
    endpoint,
    failures,
    last_ok,
  }));
const row = (server: TestServer, endpoint: string) => rows(server).find((r) => r.endpoint === endpoint);
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("subscriptions that hang or fail cannot crowd out real ones", () => {
  it("with 20 endpoints that hang, the one that works gets each order at once: those that worked go first and never wait", async () => {
    const { server, service } = await setup({ ...TEST_SERVICE, concurrency: 4, timeoutMs: 3000 });
    // Made first, from one address (the most it may): before the fix they were also sent first.
    const hanging = [];
    for (let i = 0; i < MAX_PER_SUBSCRIBER; i++) hanging.push(await subscribe(server, service.subscribe(500), from("198.51.100.1")));
    const real = await subscribe(server, service.subscribe(), from("198.51.100.2"));
    await write(server, 7);
    await within(Promise.all([real.push(1), ...hanging.map((s) => s.requested(1))]), "the first order's pushes");
    await waitFor(() => row(server, real.json.endpoint)?.last_ok, "the real one's push noted");
    for (const s of hanging) s.behaviour = "hang";

    for (const [n, position] of [
      [2, 8],
      [3, 7],
    ]) {
      // The third order comes while the second's pushes to the hanging endpoints are still open.
      const started = performance.now();
      await write(server, position);
      await within(real.push(n), `push ${n}`, 20_000);
      const took = performance.now() - started;
      // As with no hanging endpoint at all (a few ms to a few hundred on a loaded machine), not
      // after the 3 s deadlines of 20 hanging pushes, 4 at a time.
      expect(took, `push ${n}`).toBeLessThan(1000);
    }
    expect(service.peak).toBeLessThanOrEqual(4);
  });

  it(`a subscription whose pushes fail ${MAX_FAILURES} times in a row is removed; one that works between starts the count again`, async () => {
    const { server, service } = await setup(TEST_SERVICE);
    // Fails, fails, works, then fails for good: seven orders leave it with 4 failures, the eighth removes it.
    const flaky = await subscribe(
      server,
      service.subscribe((n) => (n === 3 ? 201 : 500)),
      from("198.51.100.1"),
    );
    const fine = await subscribe(server, service.subscribe(), from("198.51.100.2"));
    const expected = [1, 2, 0, 1, 2, 3, 4];
    for (const [i, failures] of expected.entries()) {
      await write(server, 7 + (i % 2));
      await within(Promise.all([flaky.requested(i + 1), fine.push(i + 1)]), `order ${i + 1}'s pushes`);
      await waitFor(() => row(server, flaky.json.endpoint)?.failures === failures, `${failures} failures in a row after order ${i + 1}`);
    }
    await write(server, 8);
    await within(Promise.all([flaky.requested(8), fine.push(8)]), "the eighth order's pushes");
    await waitFor(() => !row(server, flaky.json.endpoint), "the failing subscription to be removed");
    expect(server.logs).toContainEqual(
      expect.stringMatching(new RegExp(`^push: the subscription at http://127\\.0\\.0\\.1:\\d+ failed ${MAX_FAILURES} times in a row: removed$`)),
    );
    expect(rows(server)).toEqual([{ endpoint: fine.json.endpoint, failures: 0, last_ok: expect.any(String) }]);
    await write(server, 7);
    await within(fine.push(9), "the next order's push");
    expect(flaky.requests).toBe(8); // never tried again
  });

  it(
    `one address keeps at most ${MAX_PER_SUBSCRIBER} subscriptions made without signing ` +
      `in, a person ${MAX_PER_SUBSCRIBER}: more is refused (409) and stores nothing`,
    async () => {
      const { server, service } = await setup(TEST_SERVICE, { anonymous: "crew" });
      const mine = [];
      for (let i = 0; i < MAX_PER_SUBSCRIBER; i++) mine.push(await subscribe(server, service.subscribe(), from("198.51.100.1")));
      const admin = await signInAdmin(server);
      // Subscribing is also limited to 20 a minute per address, in memory: after a restart the same
      // address may try again at once.
      await server.stop();
      const again = track.server(await startServer({ dir: server.dir, push: TEST_SERVICE, trustProxy: ["loopback"], anonymous: "crew" }));
      const endpoints = () =>
        rows(again)
          .map((r) => r.endpoint)
          .sort();
      const before = endpoints();
      const anonymous = await post(again, service.subscribe().json, "198.51.100.1");
      expect(anonymous).toMatchObject({
        status: 409,
        body: {
          error:
            `this address has ${MAX_PER_SUBSCRIBER} push subscriptions already, the most allowed ` +
            `without signing in: sign in, or turn notifications off on a browser you no longer use`,
        },
      });
      expect(endpoints()).toEqual(before);
      // A person's subscriptions count as theirs, not their address's (a lab behind one NAT shares one).
      for (let i = 1; i < MAX_PER_SUBSCRIBER; i++) await subscribe(again, service.subscribe(), from("198.51.100.1", admin));
      await subscribe(again, service.subscribe(), from("198.51.100.9", admin));
      const full = endpoints();
      const person = await post(again, service.subscribe().json, "198.51.100.9", admin);
      expect(person).toMatchObject({
        status: 409,
        body: {
          error: `you have ${MAX_PER_SUBSCRIBER} push subscriptions already, the most allowed: turn notifications off on a browser you no longer use`,
        },
      });
      expect(endpoints()).toEqual(full);
      // Renewing one (the panel does, with new choices) is not another; another address may subscribe.
      await subscribe(again, mine[0], from("198.51.100.2"));
      await subscribe(again, service.subscribe(), from("198.51.100.2"));
      expect(rows(again)).toHaveLength(2 * MAX_PER_SUBSCRIBER + 1);
    },
  );
});

describe("no spelling of the server's own network gets a push", () => {
  const v6 = [
    "::7f00:1",
    "::127.0.0.1",
    "::a9fe:a9fe", // IPv4-compatible ::/96
    "::ffff:127.0.0.1",
    "::ffff:a9fe:a9fe", // IPv4-mapped ::ffff:0:0/96
    "::ffff:0:a9fe:a9fe",
    "::ffff:0:7f00:1", // IPv4-translated ::ffff:0:0:0/96
    "::1",
    "::",
    "::2",
    "ff::1", // the rest of ::/8
    "64:ff9b::10.0.0.1",
    "64:ff9b::7f00:1",
    "64:ff9b:1::a00:1", // NAT64 with a private IPv4 inside
    "2002:a00:1::1",
    "2002:7f00:1::",
    "2001:0:a00:1::1", // 6to4 and Teredo with a private IPv4 inside
    "fe80::1",
    "febf:ffff::1",
    "fc00::1",
    "fd12:3456::1", // link-local, unique local
    "fec0::1",
    "100::1",
    "ff02::1",
    "2001:db8::1", // site-local, discard, multicast, documentation
  ];
  // Decimal, hex, octal and short IPv4: URLs turn them into the dotted form, which is then checked.
  const v4 = [
    "2130706433",
    "0x7f.1",
    "0x7f000001",
    "0177.0.0.1",
    "017700000001",
    "127.1",
    "0xa9.0xfe.0xa9.0xfe",
    "169.254.169.254",
    "10.1",
    "0.0.0.0",
  ];

  it("subscribing refuses each of them, in the endpoint, with a clear error, and stores nothing", async () => {
    const { server, service } = await setup(STRICT);
    const { keys } = service.subscribe().json;
    let n = 0;
    for (const host of [...v6.map((a) => `[${a}]`), ...v4]) {
      const res = await post(server, { endpoint: `https://${host}/push/x`, keys }, `198.51.100.${n++}`);
      expect(res.status, host).toBe(400);
      expect(res.body.error, host).toMatch(/^endpoint: .* is not a public push service \(the server does not send to its own network\)$/);
    }
    expect((await post(server, { endpoint: "http://2130706433/push/x", keys }, "198.51.100.200")).body.error).toBe(
      "endpoint: a push service's URL starts with https://",
    );
    expect(rows(server)).toEqual([]);
    // Only port 443, where push services are.
    const port = await post(server, { endpoint: "https://push.example.com:8443/push/x", keys }, "198.51.100.201");
    expect(port).toMatchObject({ status: 400, body: { error: "endpoint: a push service's URL is on port 443, not 8443" } });
    expect(rows(server)).toEqual([]);
    // Public addresses and names are taken, on 443 said or not.
    for (const [i, host] of ["[2a00:1450:4001:80b::200a]", "142.250.74.10", "fcm.googleapis.com:443"].entries()) {
      expect((await post(server, { endpoint: `https://${host}/push/x`, keys }, `198.51.100.${210 + i}`)).status, host).toBe(201);
    }
  });

  it("sending refuses a name that resolves to any of them, when connecting, and logs why", async () => {
    const { server, service } = await setup(STRICT);
    const { keys } = service.subscribe().json;
    const names = v6.map((address, i) => {
      const name = `rebind-${i}.example`;
      answers.set(name, [{ address: new URL(`http://[${address}]`).hostname.slice(1, -1), family: 6 }]);
      return name;
    });
    names.push("mixed.example", "v4.example");
    answers.set("mixed.example", [
      { address: "10.0.0.1", family: 4 },
      { address: "::ffff:0:a9fe:a9fe", family: 6 },
    ]);
    answers.set("v4.example", [{ address: "127.0.0.1", family: 4 }]);
    for (const [i, name] of names.entries()) {
      // Names pass when subscribing: what they resolve to is checked on every connection.
      expect((await post(server, { endpoint: `https://${name}/push/x`, keys }, `198.51.100.${i}`)).status, name).toBe(201);
    }
    await write(server, 7);
    for (const name of names) {
      const resolved = answers
        .get(name)!
        .map((a) => a.address)
        .join(", ");
      await waitFor(() => server.logs.find((l) => l.startsWith(`push of order #1 to https://${name} failed: `)), `the push to ${name}`);
      expect(server.logs, name).toContainEqual(
        expect.stringContaining(`push of order #1 to https://${name} failed: ${name} resolves to ${resolved}, not a public address;`),
      );
    }
  });

  it("sending refuses, and removes, a subscription stored before an endpoint like these was refused", async () => {
    const { server, service } = await setup(STRICT);
    const { keys } = service.subscribe().json;
    // As an earlier version accepted them.
    const old = ["https://[::7f00:1]/push/x", "https://[::ffff:0:a9fe:a9fe]/push/x", "https://push.example.com:8443/push/x"];
    db(
      server,
      (d) => {
        const insert = d.prepare("INSERT INTO push_subscriptions (endpoint, p256dh, auth, created_at) VALUES (?, ?, ?, ?)");
        const follow = d.prepare("INSERT INTO push_follows (endpoint, telegraph) VALUES (?, ?)");
        for (const endpoint of old) {
          insert.run(endpoint, keys.p256dh, keys.auth, new Date().toISOString());
          follow.run(endpoint, DEFAULT_SLUG);
        }
      },
      false,
    );
    await write(server, 7);
    await waitFor(() => rows(server).length === 0, "the refused subscriptions to be removed");
    for (const endpoint of old) {
      expect(server.logs).toContainEqual(
        expect.stringMatching(new RegExp(`^push: the subscription at ${escape(new URL(endpoint).origin)} is refused \\(endpoint: .*\\): removed$`)),
      );
    }
  });

  it("isPublicAddress: only global unicast IPv6 outside the special ranges, and public IPv4", () => {
    for (const a of [
      ...v6.map((s) => new URL(`http://[${s}]`).hostname.slice(1, -1)),
      "127.0.0.1",
      "10.0.0.1",
      "100.64.0.1",
      "198.18.0.1",
      "0x7f.1",
      "2130706433",
      "localhost",
      "",
      "fe80::1%eth0",
    ]) {
      expect(isPublicAddress(a), a).toBe(false);
    }
    for (const a of ["142.250.74.10", "8.8.8.8", "2a00:1450:4001:80b::200a", "2606:4700:4700::1111", "2c0f:fb50::1"])
      expect(isPublicAddress(a), a).toBe(true);
  });
});
