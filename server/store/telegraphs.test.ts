// Several telegraphs in one store (issue 16): a store from before keeps its telegraph's state and
// history as the default one's, and each telegraph's memory is its own.
import { rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_FACE } from "../../lib/face";
import { DEFAULT_SLUG } from "../../lib/telegraphs";
import { createLogger } from "../log";
import { type TelegraphState, restore, step } from "../telegraph/telegraph";
import { openMemory } from "./memory";
import { MIGRATIONS } from "./migrations";
import { STORE_FILE, openStore } from "./store";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const tempDir = async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "chadburn-test-"));
  dirs.push(dir);
  return dir;
};
const log = createLogger("error");
const FILES = { link: "status-file", connected: true, since: "2026-01-01T09:00:00.000Z" } as const;
const coffee = DEFAULT_FACE.find((p) => p.name === "coffee")!;
const lunch = DEFAULT_FACE.find((p) => p.name === "lunch")!;

/** The memory of `telegraph` in the store in `dir`, and the state a server would start it from. */
function open(dir: string, telegraph?: string) {
  const store = openStore(dir);
  const memory = openMemory(store, { dataDir: dir, log, schedule: false, ...(telegraph && { telegraph }) });
  const state = restore(DEFAULT_FACE, FILES, memory.remembered, {}).state;
  const order = (position: typeof coffee, at: string): TelegraphState => {
    const result = step(state, { type: "order", position, source: "panel", by: "Ann", at });
    if (!result.ok) throw new Error(result.error);
    for (const fact of result.facts) memory.keep(fact, result.state);
    return result.state;
  };
  return { store, memory, state, order, close: () => (memory.close(), store.close()) };
}

describe("several telegraphs in one store", () => {
  it("a store from before issue 16 keeps its telegraph's order, seq, epoch and history, as the default one's", async () => {
    const dir = await tempDir();
    // Schema 6, as the previous version left it, with one order in it.
    const old = new Database(path.join(dir, STORE_FILE));
    old.exec(MIGRATIONS.slice(0, 6).join(";\n"));
    old.pragma("user_version = 6");
    const order = { position: 7, name: "coffee", label: "COFFEE", seq: 41, at: "2026-01-01T10:00:00.000Z", source: "panel", by: "Ann" };
    old.prepare("UPDATE telegraph SET seq = 41, current_order = ?, epoch = 'e0'").run(JSON.stringify(order));
    old
      .prepare("INSERT INTO events (at, kind, seq, position, given_by, source, data) VALUES (?, 'order', 41, 7, 'Ann', 'panel', ?)")
      .run(order.at, JSON.stringify(order));
    old.close();

    const upgraded = open(dir);
    expect(upgraded.state).toMatchObject({ seq: 41, epoch: "e0", order: { seq: 41, position: 7 } });
    expect(upgraded.state.history.map((past) => past.order.seq)).toEqual([41]);
    expect(upgraded.store.prepare("SELECT telegraph FROM events").pluck().all()).toEqual([DEFAULT_SLUG]);
    upgraded.close();
  });

  it("each telegraph has its own seq, epoch, order and history", async () => {
    const dir = await tempDir();
    const lab = open(dir);
    const workshop = open(dir, "workshop");
    lab.order(coffee, "2026-01-01T10:00:00.000Z");
    workshop.order(lunch, "2026-01-01T10:01:00.000Z");
    lab.close();
    workshop.close();

    const [labAgain, workshopAgain] = [open(dir), open(dir, "workshop")];
    expect(labAgain.state).toMatchObject({ seq: 1, order: { position: coffee.position } });
    expect(workshopAgain.state).toMatchObject({ seq: 1, order: { position: lunch.position } });
    expect(labAgain.state.epoch).not.toBe(workshopAgain.state.epoch);
    expect(labAgain.state.history.map((past) => past.order.position)).toEqual([coffee.position]);
    expect(workshopAgain.state.history.map((past) => past.order.position)).toEqual([lunch.position]);
    labAgain.close();
    workshopAgain.close();
  });
});
