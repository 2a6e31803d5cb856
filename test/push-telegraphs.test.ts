// Web Push per telegraph (issue 16), against a real server on loopback and the test's own push
// service: a browser gets the orders of the telegraphs it follows and no others, each push naming
// its telegraph (title, tag, page) with the positions muted there; the limits count browsers; and a
// data folder from before keeps its subscriptions, following the telegraph they were made on.
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { orderNotification } from "../lib/push";
import { DEFAULT_SLUG } from "../lib/telegraphs";
import { notificationTitle } from "../lib/words";
import type { PushSettings } from "../server/push/send";
import { MIGRATIONS } from "../server/store/migrations";
import { STORE_FILE } from "../server/store/store";
import { tempDir } from "./support/files";
import { getJson, postJson } from "./support/http";
import { pushRig } from "./support/push";
import { PushService, type TestSubscription } from "./support/push-service";
import { type TestServer, startServer, withFiles } from "./support/server";
import { tracker } from "./support/track";
import { within } from "./support/wait";

const track = tracker();
const rig = pushRig(track);
/** Push services started before their server (its data folder must hold their subscriptions first). */
const services: PushService[] = [];
afterEach(async () => {
  await rig.cleanup();
  await Promise.all(services.splice(0).map((service) => service.close()));
});

const FAST: PushSettings = { insecureEndpoints: true, retryDelayMs: 20 };

/** "lab" (the default, unless `defaultTelegraph` says otherwise) and "workshop", in `dir`, and a push service. */
async function labAndWorkshop(dir?: string, defaultTelegraph: string | null = "lab") {
  const at = dir ?? track.dir(await tempDir());
  return rig.setup(FAST, { dir: at, telegraphs: [withFiles(at, "lab", "Lab"), withFiles(at, "workshop", "Workshop")], defaultTelegraph });
}

/** The browser follows `slug` (today's route, the default's, when undefined), muting `muted` there. */
async function follow(server: TestServer, sub: TestSubscription, slug?: string, muted: string[] = []) {
  const route = slug ? `/api/telegraphs/${slug}/push/subscriptions` : "/api/push/subscriptions";
  const res = await postJson(`${server.url}${route}`, { ...sub.json, muted });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

const order = async (server: TestServer, slug: string, position: string) =>
  expect((await postJson(`${server.url}/api/telegraphs/${slug}/order`, { position })).status).toBe(200);

const unfollow = (server: TestServer, sub: TestSubscription, slug: string) =>
  getJson(`${server.url}/api/telegraphs/${slug}/push/subscriptions`, {
    method: "DELETE",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ endpoint: sub.json.endpoint }),
  });

/** Rows of the server's store, read beside it as the `chadburn` command would. */
function rows(server: TestServer, sql: string): unknown[] {
  const db = new Database(path.join(server.dir, STORE_FILE), { readonly: true });
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
}

describe("pushes per telegraph", () => {
  it("a browser gets the orders of the telegraphs it follows only, each named, tagged and linked as its own, muted per telegraph", async () => {
    const { server, service } = await labAndWorkshop();
    const workshopOnly = service.subscribe();
    const both = service.subscribe();
    await follow(server, workshopOnly, "workshop");
    await follow(server, both); // today's route: the default telegraph, lab
    await follow(server, both, "workshop", ["coffee"]);
    // Two browsers, three follows: the limits count browsers.
    expect(rows(server, "SELECT count(*) AS n FROM push_subscriptions")).toEqual([{ n: 2 }]);

    await order(server, "lab", "coffee");
    const lab = (await within(both.push(1), "lab's COFFEE on the browser following both")).payload;
    // The default telegraph: no slug (its panel is at /), but its title, as the server has two.
    expect(lab).toEqual({ seq: 1, position: 7, label: "COFFEE", at: expect.any(String), title: "Lab" });
    expect(both.received[0].headers.topic).toBe("lab");
    expect(notificationTitle(lab)).toBe("Chadburn · Lab: COFFEE");
    expect(orderNotification(lab)).toEqual({ tag: "chadburn-order", url: "/?order=1", answer: "/api/answer" });

    await order(server, "workshop", "lunch");
    const [toOne, toBoth] = await within(Promise.all([workshopOnly.push(1), both.push(2)]), "workshop's LUNCH on both browsers");
    for (const pushed of [toOne, toBoth]) {
      expect(pushed.payload).toEqual({ seq: 1, position: 8, label: "LUNCH", at: expect.any(String), slug: "workshop", title: "Workshop" });
      expect(pushed.headers.topic).toBe("workshop");
    }
    expect(notificationTitle(toOne.payload)).toBe("Chadburn · Workshop: LUNCH");
    // Its own tag: it does not replace lab's notification; a tap opens the workshop's panel.
    expect(orderNotification(toOne.payload)).toEqual({
      tag: "chadburn-order:workshop",
      url: "/t/workshop?order=1",
      answer: "/api/telegraphs/workshop/answer",
    });
    expect(workshopOnly.requests).toBe(1); // lab's order never went to it

    // COFFEE is muted on the workshop by `both` (not on the lab): its round passed that browser over.
    await order(server, "workshop", "coffee");
    expect((await within(workshopOnly.push(2), "workshop's COFFEE")).payload).toMatchObject({ seq: 2, label: "COFFEE", slug: "workshop" });
    expect(both.requests).toBe(2);
    await order(server, "lab", "lunch");
    expect((await within(both.push(3), "lab's LUNCH")).payload).toMatchObject({ seq: 2, label: "LUNCH", title: "Lab" });
  });

  it("leaving one telegraph keeps the others; the browser goes with the last; an unknown slug is a 404 and changes nothing", async () => {
    const { server, service } = await labAndWorkshop();
    const sub = service.subscribe();
    await follow(server, sub, "lab");
    await follow(server, sub, "workshop");
    const unknown = await postJson(`${server.url}/api/telegraphs/kitchen/push/subscriptions`, sub.json);
    expect(unknown).toMatchObject({ status: 404, body: { error: 'no telegraph "kitchen" on this server' } });
    expect((await unfollow(server, sub, "lab")).body).toEqual({ removed: true, following: 1 });
    await order(server, "lab", "coffee");
    await order(server, "workshop", "lunch");
    expect((await within(sub.push(1), "the workshop's order")).payload).toMatchObject({ slug: "workshop", label: "LUNCH" });
    expect(sub.requests).toBe(1); // lab's came first and did not go to it
    expect((await unfollow(server, sub, "workshop")).body).toEqual({ removed: true, following: 0 });
    expect(rows(server, "SELECT endpoint FROM push_subscriptions")).toEqual([]);
  });

  it("a renewed subscription follows what the old one did, muted positions and all", async () => {
    const { server, service } = await labAndWorkshop();
    const old = service.subscribe();
    await follow(server, old, "workshop", ["coffee"]);
    const renewed = service.subscribe();
    const res = await postJson(`${server.url}/api/push/renewal`, { ...renewed.json, replaces: old.json.endpoint });
    expect(res).toMatchObject({ status: 200, body: { endpoint: renewed.json.endpoint } });
    expect(rows(server, "SELECT endpoint, telegraph, muted FROM push_follows")).toEqual([
      { endpoint: renewed.json.endpoint, telegraph: "workshop", muted: '["coffee"]' },
    ]);
    const again = await postJson(`${server.url}/api/push/renewal`, { ...renewed.json, replaces: old.json.endpoint });
    expect(again).toMatchObject({ status: 404, body: { error: "replaces: no such subscription on this server" } });
    await order(server, "workshop", "lunch");
    expect((await within(renewed.push(1), "the push to the renewed subscription")).payload).toMatchObject({ slug: "workshop" });
    expect(old.requests).toBe(0);
  });

  it("without a default telegraph, today's subscribe route says to name one", async () => {
    const { server, service } = await labAndWorkshop(undefined, null);
    const res = await postJson(`${server.url}/api/push/subscriptions`, service.subscribe().json);
    expect(res).toMatchObject({
      status: 404,
      body: { error: expect.stringMatching(/^this server has no default telegraph: use \/api\/telegraphs/) },
    });
    expect(rows(server, "SELECT endpoint FROM push_subscriptions")).toEqual([]);
  });
});

describe("subscriptions from before several telegraphs", () => {
  /** A data folder at schema 8 (before push per telegraph) holding a subscription muting SIWOTI, at a push service of its own. */
  async function folderFromBefore(): Promise<{ dir: string; sub: TestSubscription }> {
    const service = await PushService.start();
    services.push(service);
    const sub = service.subscribe();
    const dir = track.dir(await tempDir());
    const old = new Database(path.join(dir, STORE_FILE));
    old.exec(MIGRATIONS.slice(0, 8).join(";\n"));
    old.pragma("user_version = 8");
    old
      .prepare("INSERT INTO push_subscriptions (endpoint, p256dh, auth, muted, created_at) VALUES (?, ?, ?, '[\"siwoti\"]', ?)")
      .run(sub.json.endpoint, sub.json.keys.p256dh, sub.json.keys.auth, new Date().toISOString());
    old.close();
    return { dir, sub };
  }

  it("follow the one telegraph of the flags, their muted positions kept", async () => {
    const { dir, sub } = await folderFromBefore();
    const server = track.server(await startServer({ dir, push: FAST }));
    expect(rows(server, "SELECT telegraph, muted FROM push_follows")).toEqual([{ telegraph: DEFAULT_SLUG, muted: '["siwoti"]' }]);
    expect((await postJson(`${server.url}/api/order`, { position: "coffee" })).status).toBe(200);
    // One telegraph: the push is as before issue 16, neither slug nor title.
    expect((await within(sub.push(1), "the push")).payload).toEqual({ seq: 1, position: 7, label: "COFFEE", at: expect.any(String) });
  });

  it("follow the declared default that adopts the folder's memory, and none of the others", async () => {
    const { dir, sub } = await folderFromBefore();
    const { server } = await labAndWorkshop(dir);
    expect(rows(server, "SELECT telegraph, muted FROM push_follows")).toEqual([{ telegraph: "lab", muted: '["siwoti"]' }]);
    await order(server, "workshop", "coffee");
    await order(server, "lab", "lunch");
    expect((await within(sub.push(1), "lab's push")).payload).toMatchObject({ label: "LUNCH", title: "Lab" });
    expect(sub.requests).toBe(1);
  });
});
