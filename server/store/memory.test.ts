// The telegraph's memory on a real SQLite file: what a restart gets back, the previous version's
// journal.jsonl imported once, the epoch, pruning, and the audit log's view of the events.
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { type Face, HISTORY_LENGTH, type TelegraphConnection } from "../../lib/protocol";
import { createLogger } from "../log";
import { createBus } from "../telegraph/bus";
import { createDispatch } from "../telegraph/dispatch";
import { audit } from "../people/audit";
import { DEFAULT_FACE } from "../../lib/face";
import { type From, type TelegraphEvent, type TelegraphState, restore, step } from "../telegraph/telegraph";
import { JOURNAL_FILE, type Retention, openMemory } from "./memory";
import { openStore } from "./store";

// Each test's data folders, removed after it.
const track = { dirs: [] as string[], dir: (dir: string) => (track.dirs.push(dir), dir) };
afterEach(() => track.dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const tempDir = () => mkdtemp(path.join(tmpdir(), "chadburn-test-"));

/** A real logger whose messages are kept, newest last. */
function captureLog() {
  const logs: string[] = [];
  return { log: createLogger("info", new Writable({ write: (line, _encoding, done) => done(void logs.push(JSON.parse(line).msg)) })), logs };
}

const FILES: TelegraphConnection = { link: "status-file", connected: true, since: "2026-01-01T09:00:00.000Z" };
const FACE: Face = [
  { position: 1, name: "tea", label: "TEA", expires: 600 },
  { position: 2, name: "meeting", label: "MEETING", quorum: 2 },
  { position: 3, name: "stop", label: "STOP" },
];
const at = (minute: number, year = 2026) => new Date(Date.UTC(year, 0, 1, 10, minute)).toISOString();

/** The store and memory in `dir`, opened as the server opens them (but no pruning timer). */
function open(dir: string, retention: Partial<Retention> = {}) {
  const { log, logs } = captureLog();
  const store = openStore(dir);
  const memory = openMemory(store, { dataDir: dir, log, retention, schedule: false });
  const close = () => {
    memory.close();
    store.close();
  };
  return { store, memory, logs, close, count: () => store.prepare("SELECT count(*) FROM events").pluck().get() as number };
}

/** The state a server would start from. */
const restored = (memory: ReturnType<typeof open>["memory"], face = DEFAULT_FACE) => restore(face, FILES, memory.remembered, {}).state;

/** What must come back after a restart. */
const kept = ({ order, answer, votes, history, seq, epoch }: TelegraphState) => ({ order, answer, votes, history, seq, epoch });

/** An event as these tests write it: the position by number, resolved in the state's face as a link does. */
type Event =
  | { type: "expire"; seq: number; at: string }
  | ((Omit<Extract<TelegraphEvent, { type: "order" }>, "position"> | Omit<Extract<TelegraphEvent, { type: "answer" }>, "position">) & {
      position: number;
    });

/** Runs the core on `events` and keeps every fact, as the server's store subscriber does; returns the state after. */
function drive(memory: ReturnType<typeof open>["memory"], state: TelegraphState, events: Event[], from?: From): TelegraphState {
  for (const event of events) {
    const position = "position" in event ? state.face.find((p) => p.position === event.position) : undefined;
    const result = step(state, { ...event, ...(position && { position }), ...(from && { from }) } as TelegraphEvent);
    if (!result.ok) throw new Error(result.error);
    state = result.state;
    for (const fact of result.facts) memory.keep(fact, state);
  }
  return state;
}

const order = (position: number, n: number, year?: number): Event => ({ type: "order", position, source: "panel", by: "Ann", at: at(n, year) });
const answer = (position: number, answerer: string, n: number, year?: number): Event => ({
  type: "answer",
  position,
  answerer,
  by: answerer,
  at: at(n, year),
});

describe("the memory", () => {
  it("a restart gets back the order, its votes, the answer, the history with acknowledging answers and expiries, and seq", async () => {
    const dir = track.dir(await tempDir());
    const first = open(dir);
    const events: Event[] = [
      order(2, 1),
      answer(2, "ann", 2),
      answer(2, "bob", 3),
      order(1, 4),
      { type: "expire", seq: 2, at: at(5) },
      order(2, 6),
      answer(2, "cy", 7),
      answer(3, "cy", 8),
      answer(2, "dee", 9),
    ];
    const state = drive(first.memory, restored(first.memory, FACE), events);
    first.close();

    const again = open(dir);
    expect(kept(restored(again.memory, FACE))).toEqual(kept(state));
    expect(state).toMatchObject({ votes: { cy: 3, dee: 2 }, seq: 3 });
    expect(state.history.map((p) => [p.order.seq, p.answer?.by ?? null, p.expired ?? null])).toEqual([
      [1, "bob", null],
      [2, null, at(5)],
      [3, null, null],
    ]);
    again.close();
  });

  it("10,000 answers, every one taking effect, then a restart: the order and seq stay (not back to 1)", { timeout: 120_000 }, async () => {
    const dir = track.dir(await tempDir());
    const first = open(dir);
    const { log } = captureLog();
    const bus = createBus(log);
    bus.on("store", ["ordered", "answered", "expired"], (fact, { state }) => first.memory.keep(fact, state));
    const dispatch = createDispatch(restored(first.memory), bus);
    const place = (position: number) => DEFAULT_FACE[position - 1];
    for (let n = 1; n <= 91; n++)
      await dispatch.handle({ type: "order", position: place((n % 11) + 1), source: "telegraph", link: "status-file", from: { who: "telegraph" } });
    // 40 panels, each answering the other position from its last: every answer is news.
    for (let n = 0; n < 10_000; n++) {
      const result = await dispatch.handle({
        type: "answer",
        position: place(n % 80 < 40 ? 2 : 3),
        answerer: `panel ${n % 40}`,
        from: { who: "anonymous", address: "10.0.0.1" },
      });
      expect(result.ok && result.snapshot.answer?.at).toBeTruthy();
    }
    const before = dispatch.snapshot();
    dispatch.close();
    expect(first.count()).toBe(10_091);
    first.close();

    const again = open(dir);
    const state = restored(again.memory);
    expect(state.order).toEqual(before.order);
    expect(state.order?.seq).toBe(91);
    expect(state.history).toEqual(before.history);
    expect(Object.keys(state.votes)).toHaveLength(40);
    const next = step(state, { type: "order", position: DEFAULT_FACE[4], source: "panel", at: at(0) });
    expect(next.ok && next.state.order?.seq).toBe(92);
    again.close();
  });

  it("the epoch is made once per store: the same after a restart, another in a new data folder", async () => {
    const [a, b] = [track.dir(await tempDir()), track.dir(await tempDir())];
    const epoch = (dir: string) => {
      const opened = open(dir);
      const { epoch } = opened.memory.remembered;
      opened.close();
      return epoch;
    };
    const first = epoch(a);
    expect(first).toMatch(/^[0-9a-f]{32}$/);
    expect(epoch(a)).toBe(first);
    expect(epoch(b)).not.toBe(first);
  });
});

describe("the previous version's journal.jsonl", () => {
  /** Lines as the old journal wrote them: 25 orders, most answered, the 24th expired; a torn last line. */
  function oldJournal(): string {
    const lines: object[] = [];
    for (let seq = 1; seq <= 25; seq++) {
      lines.push({ order: { position: (seq % 3) + 1, name: "x", label: `L${seq}`, seq, at: at(seq), source: seq % 2 ? "telegraph" : "panel" } });
      if (seq !== 24) lines.push({ answer: { position: (seq % 3) + 1, at: at(seq), seq, by: `p${seq}` }, answerer: `name p${seq}` });
    }
    lines.push({ expire: { seq: 24, at: at(40) } });
    return `${lines.map((l) => JSON.stringify(l)).join("\n")}\n{"answer": {"position": 2, "at"`;
  }

  it("is imported on the first start (a torn last line skipped), renamed aside, and never imported again", async () => {
    const dir = track.dir(await tempDir());
    const file = path.join(dir, JOURNAL_FILE);
    writeFileSync(file, oldJournal());
    const first = open(dir);
    expect(first.logs).toEqual([
      `journal ${file}: skipped 1 unreadable line(s)`,
      `imported 50 orders, answers and expiries from ${file} (now ${file}.imported); last seq 25`,
    ]);
    expect(existsSync(file)).toBe(false);
    expect(readFileSync(`${file}.imported`, "utf8")).toBe(oldJournal());
    const state = restored(first.memory);
    expect(state.order).toMatchObject({ seq: 25, label: "L25" });
    expect(state.answer).toMatchObject({ seq: 25, by: "p25" });
    expect(state.votes).toEqual({ "name p25": 2 });
    expect(state.history.map((p) => p.order.seq)).toEqual(Array.from({ length: HISTORY_LENGTH }, (_, i) => 6 + i));
    expect(state.history.at(-2)).toMatchObject({ answer: null, expired: at(40) });
    expect(state.history.at(-1)?.answer).toMatchObject({ by: "p25" });
    first.close();

    // Put back (a copy restored by hand, say): the store knows it has it, and leaves the file alone.
    writeFileSync(file, oldJournal());
    const again = open(dir);
    expect(again.count()).toBe(50);
    expect(again.logs).toEqual([`${file} not imported: the store has imported it already`, `${file} left where it is: ${file}.imported exists`]);
    expect(kept(restored(again.memory))).toEqual(kept(state));
    again.close();
  });

  it("goes to the server's default telegraph, whatever its slug (a config file's), and to no other", async () => {
    const dir = track.dir(await tempDir());
    writeFileSync(path.join(dir, JOURNAL_FILE), oldJournal());
    const { log } = captureLog();
    const store = openStore(dir);
    const workshop = openMemory(store, { dataDir: dir, log, telegraph: "workshop", schedule: false });
    const lab = openMemory(store, { dataDir: dir, log, telegraph: "lab", schedule: false, journal: true });
    expect(workshop.remembered).toMatchObject({ seq: 0, order: null });
    expect(lab.remembered).toMatchObject({ seq: 25, order: { label: "L25" } });
    expect(store.prepare("SELECT telegraph, count(*) AS n FROM events GROUP BY telegraph").all()).toEqual([{ telegraph: "lab", n: 50 }]);
    workshop.close();
    lab.close();
    store.close();
  });

  it("one that turns up beside a store with a memory of its own is set aside, not imported", async () => {
    const dir = track.dir(await tempDir());
    const first = open(dir);
    drive(first.memory, restored(first.memory), [order(7, 1), order(8, 2)]);
    first.close();
    const file = path.join(dir, JOURNAL_FILE);
    writeFileSync(file, oldJournal());
    const again = open(dir);
    expect(again.logs).toEqual([`${file} not imported: the store has a memory of its own`]);
    expect(existsSync(`${file}.imported`)).toBe(true);
    expect(again.memory.remembered).toMatchObject({ seq: 2, order: { position: 8 } });
    expect(again.count()).toBe(2);
    again.close();
  });

  it("one whose answers pushed out every order (the old bug): seq goes on from the answers' seq", async () => {
    const dir = track.dir(await tempDir());
    const answers = Array.from({ length: 1000 }, (_, i) =>
      JSON.stringify({ answer: { position: 2 + (i % 2), at: at(1), seq: 91 }, answerer: `panel ${i % 40}` }),
    );
    writeFileSync(path.join(dir, JOURNAL_FILE), `${answers.join("\n")}\n`);
    const opened = open(dir);
    const state = restored(opened.memory);
    expect(state).toMatchObject({ seq: 91, order: null, answer: { seq: 91 } });
    expect(drive(opened.memory, state, [order(7, 2)]).order?.seq).toBe(92);
    opened.close();
  });
});

describe("pruning", () => {
  /** What a restart on `dir` gets back (the store opened a second time, as another process would). */
  function afterRestart(dir: string) {
    const again = open(dir);
    const state = kept(restored(again.memory));
    again.close();
    return state;
  }

  /** Waits out a prune, counting the event-loop turns others got meanwhile. */
  async function pruneCountingTurns(memory: ReturnType<typeof open>["memory"], now?: Date) {
    let turns = 0;
    let done = false;
    const tick = () => {
      turns++;
      if (!done) setImmediate(tick);
    };
    setImmediate(tick);
    const pruned = await memory.prune(now);
    done = true;
    return { ...pruned, turns };
  }

  it("by count: the oldest go in batches, other work runs between them, and the history stays whole", async () => {
    const dir = track.dir(await tempDir());
    const opened = open(dir, { keepEvents: 1000 });
    const events = Array.from({ length: 3000 }, (_, i) => [order((i % 3) + 1, 0), answer((i % 3) + 1, "ann", 0)]).flat();
    const state = drive(opened.memory, restored(opened.memory), events);
    expect(opened.count()).toBe(6000);
    const pruned = await pruneCountingTurns(opened.memory, new Date(at(1))); // a minute on: none too old
    expect(pruned.rows).toBe(5000);
    expect(pruned.batches).toBeGreaterThan(1); // sized by the time they take: server/history/batches.test.ts
    // Each batch is its own turn of the event loop; how long one takes is the machine's (measured, not asserted).
    expect(pruned.turns).toBeGreaterThanOrEqual(pruned.batches - 1);
    expect(opened.count()).toBe(1000);
    expect(opened.logs.at(-1)).toMatch(new RegExp(`^store: pruned 5000 old events in ${pruned.batches} batches \\(slowest [\\d.]+ ms\\)$`));
    opened.close();
    expect(afterRestart(dir)).toEqual(kept(state));
  });

  it("by age; and never the current order's history, however old", async () => {
    const dir = track.dir(await tempDir());
    const opened = open(dir, { keepEvents: 1_000_000, keepEventsDays: 365 });
    const old = Array.from({ length: 1200 }, (_, i) => order((i % 3) + 1, i % 60, 2020));
    let state = drive(opened.memory, restored(opened.memory), old);
    // Nothing new since 2020: the last HISTORY_LENGTH orders stay, and all else goes.
    const now = new Date(at(0));
    expect(await opened.memory.prune(now)).toMatchObject({ rows: 1200 - HISTORY_LENGTH });
    expect(afterRestart(dir)).toEqual(kept(state));
    // Newer orders, and answers to the current one: the rest of 2020 goes, the history and what follows stay.
    state = drive(opened.memory, state, [...Array.from({ length: 30 }, (_, i) => order((i % 3) + 1, 1)), answer(1, "ann", 2), answer(2, "bob", 3)]);
    expect(await opened.memory.prune(now)).toMatchObject({ rows: HISTORY_LENGTH });
    expect(opened.count()).toBe(32);
    expect(await opened.memory.prune(now)).toEqual({ rows: 0, batches: 0, slowest: 0 });
    opened.close();
    expect(afterRestart(dir)).toEqual(kept(state));
  });
});

describe("the audit log", () => {
  it("shows orders and answers from the events, with who and from where, merged by time with its own entries", async () => {
    const dir = track.dir(await tempDir());
    const opened = open(dir);
    let clock = at(0);
    const log = audit(opened.store, () => new Date(clock));
    log.record({ who: "admin", address: "10.0.0.9", action: "user", detail: "invited Bob as bridge" });
    let state = drive(opened.memory, restored(opened.memory), [order(7, 1)], { who: "Bob", address: "10.0.0.2", source: "panel" });
    clock = at(2);
    log.record({ who: "Bob", address: "10.0.0.2", action: "sign-in", detail: "signed out" });
    state = drive(opened.memory, state, [answer(7, "Cy", 3)], { who: "anonymous", address: "10.0.0.3", source: "panel" });
    drive(opened.memory, state, [{ type: "order", position: 8, source: "telegraph", link: "serial", at: at(4) }], { who: "telegraph" });
    expect(log.list().map(({ at: when, ...rest }) => [when, rest])).toEqual([
      [at(0), { who: "admin", address: "10.0.0.9", action: "user", detail: "invited Bob as bridge" }],
      [at(1), { who: "Bob", address: "10.0.0.2", action: "order", detail: "order #1 7 COFFEE from panel by Ann" }],
      [at(2), { who: "Bob", address: "10.0.0.2", action: "sign-in", detail: "signed out" }],
      [at(3), { who: "anonymous (typed: Cy)", address: "10.0.0.3", action: "answer", detail: "answer 7 to order #1 (acknowledged)" }],
      [at(4), { who: "telegraph", address: "serial", action: "order", detail: "order #2 8 LUNCH from telegraph" }],
    ]);
    expect(log.list(at(2)).map((e) => e.action)).toEqual(["sign-in", "answer", "order"]);
    expect(log.recent(3).map((e) => e.at)).toEqual([at(4), at(3), at(2)]);
    expect(opened.store.prepare("SELECT action FROM audit").pluck().all()).toEqual(["user", "sign-in"]); // each fact once
    expect(opened.store.prepare("SELECT who, address, source, link, given_by, answerer FROM events WHERE kind = 'answer'").get()).toEqual({
      who: "anonymous",
      address: "10.0.0.3",
      source: "panel",
      link: null,
      given_by: "Cy",
      answerer: "Cy",
    });
    opened.close();
  });
});
