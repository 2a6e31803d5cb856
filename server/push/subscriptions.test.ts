// The push subscriptions in a real store: the limits count browsers however many telegraphs each
// follows, and a store from before follows the telegraph whose memory it had, adopted or not; nobody gets
// the pushes of a telegraph they may not see.
import { rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { MIGRATIONS } from "../store/migrations";
import { STORE_FILE, openStore } from "../store/store";
import { MAX_PER_SUBSCRIBER, subscriptions } from "./subscriptions";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const tempDir = async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "chadburn-push-"));
  dirs.push(dir);
  return dir;
};
const browser = (n: number) => ({ endpoint: `https://push.example.com/${n}`, p256dh: "B", auth: "a", personId: null });

describe("push subscriptions", () => {
  it("a subscriber's limit counts browsers: following another telegraph is never refused, another browser is", async () => {
    const store = openStore(await tempDir());
    const saved = subscriptions(store);
    for (let n = 0; n < MAX_PER_SUBSCRIBER; n++) {
      expect(saved.add(browser(n), { telegraph: "lab", muted: [] }, "192.0.2.1")).toBeUndefined();
      expect(saved.add(browser(n), { telegraph: "workshop", muted: ["coffee"] }, "192.0.2.1")).toBeUndefined();
    }
    expect(saved.count()).toBe(MAX_PER_SUBSCRIBER);
    expect(saved.add(browser(MAX_PER_SUBSCRIBER), { telegraph: "lab", muted: [] }, "192.0.2.1")).toBe("subscriber");
    expect(saved.following("workshop", false)).toHaveLength(MAX_PER_SUBSCRIBER);
    expect(saved.following("workshop", false)[0].muted).toEqual(["coffee"]);
    expect(saved.following("kitchen", false)).toEqual([]);
    store.close();
  });

  it("a person with no role on a telegraph (none) gets none of its pushes, and its others still", async () => {
    const store = openStore(await tempDir());
    const saved = subscriptions(store);
    const ann = Number(
      store.prepare("INSERT INTO people (name, role, created_at) VALUES ('Ann', 'crew', ?)").run(new Date().toISOString()).lastInsertRowid,
    );
    const hers = { ...browser(1), personId: ann };
    for (const telegraph of ["lab", "workshop"]) saved.add(hers, { telegraph, muted: [] }, "192.0.2.1");
    saved.add(browser(2), { telegraph: "workshop", muted: [] }, "192.0.2.1");
    const endpoints = (telegraph: string) => saved.following(telegraph, false).map((s) => s.endpoint);
    expect(endpoints("workshop")).toEqual([hers.endpoint, browser(2).endpoint]);
    store.prepare("INSERT INTO telegraph_roles (person_id, telegraph, role) VALUES (?, 'workshop', 'none')").run(ann);
    expect(endpoints("workshop")).toEqual([browser(2).endpoint]);
    expect(endpoints("lab")).toEqual([hers.endpoint]);
    store.prepare("UPDATE telegraph_roles SET role = 'viewer'").run();
    expect(endpoints("workshop")).toEqual([hers.endpoint, browser(2).endpoint]);
    store.close();
  });

  it("one from before follows the telegraph whose memory the store kept first, even once a declared default adopted it", async () => {
    const dir = await tempDir();
    const old = new Database(path.join(dir, STORE_FILE));
    old.exec(MIGRATIONS.slice(0, 8).join(";\n"));
    old.pragma("user_version = 8");
    // The memory from before was adopted by "lab" (server/store/adopt.ts), and "workshop" came after it.
    old.exec("UPDATE telegraphs SET slug = 'lab'; INSERT INTO telegraphs (slug, epoch, seq) VALUES ('workshop', 'e1', 0)");
    old
      .prepare(
        "INSERT INTO push_subscriptions (endpoint, p256dh, auth, muted, created_at) VALUES ('https://push.example.com/1', 'B', 'a', '[\"siwoti\"]', ?)",
      )
      .run(new Date().toISOString());
    old.close();
    const store = openStore(dir);
    expect(subscriptions(store).following("lab", false)).toMatchObject([{ endpoint: "https://push.example.com/1", muted: ["siwoti"] }]);
    expect(subscriptions(store).following("workshop", false)).toEqual([]);
    store.close();
  });
});
