// Upgrading to several telegraphs: the memory a store kept as "default" becomes the declared
// default's, every table that says whose a row is, in one go; never over a memory of its own.
import { rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_SLUG } from "../../lib/telegraphs";
import { createLogger } from "../log";
import { adoptDefaultMemory } from "./adopt";
import { openStore } from "./store";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const log = createLogger("silent");

/** A store with "default"'s state row and an event, and a table of a later migration that says whose its rows are. */
async function storeFromBefore() {
  const dir = await mkdtemp(path.join(tmpdir(), "chadburn-adopt-"));
  dirs.push(dir);
  const store = openStore(dir);
  store.prepare("UPDATE telegraphs SET seq = 4 WHERE slug = ?").run(DEFAULT_SLUG); // every store has its row (migration 7)
  store
    .prepare("INSERT INTO events (telegraph, at, kind, seq, position, data) VALUES (?, '2026-01-01T00:00:00.000Z', 'order', 4, 7, '{}')")
    .run(DEFAULT_SLUG);
  store.exec("CREATE TABLE later (id INTEGER PRIMARY KEY, telegraph TEXT NOT NULL)");
  store.prepare("INSERT INTO later (telegraph) VALUES (?), ('other')").run(DEFAULT_SLUG);
  const whose = () => ({
    telegraphs: store.prepare("SELECT slug, seq FROM telegraphs ORDER BY slug").all(),
    events: store.prepare("SELECT telegraph FROM events").pluck().all(),
    later: store.prepare("SELECT telegraph FROM later ORDER BY id").pluck().all(),
  });
  return { store, whose };
}

describe("adoptDefaultMemory", () => {
  it('gives "default"\'s rows in every table to the named default, once', async () => {
    const { store, whose } = await storeFromBefore();
    expect(adoptDefaultMemory(store, "lab", log)).toBe(true);
    expect(whose()).toEqual({ telegraphs: [{ slug: "lab", seq: 4 }], events: ["lab"], later: ["lab", "other"] });
    expect(adoptDefaultMemory(store, "lab", log)).toBe(false);
    store.close();
  });

  it("does nothing for the flags' own default, for none, or when the named one has a memory already", async () => {
    const { store, whose } = await storeFromBefore();
    const before = whose();
    expect(adoptDefaultMemory(store, DEFAULT_SLUG, log)).toBe(false);
    expect(adoptDefaultMemory(store, null, log)).toBe(false);
    store.prepare("INSERT INTO telegraphs (slug, epoch, seq) VALUES ('lab', 'e2', 1)").run();
    expect(adoptDefaultMemory(store, "lab", log)).toBe(false);
    expect(whose()).toEqual({
      ...before,
      telegraphs: [
        { slug: "default", seq: 4 },
        { slug: "lab", seq: 1 },
      ],
    });
    store.close();
  });
});
