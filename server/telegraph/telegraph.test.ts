import { describe, expect, it } from "vitest";
import { DEFAULT_FACE, findPosition } from "../../lib/face";
import { type Face, HISTORY_LENGTH, type PositionRef } from "../../lib/protocol";
import {
  type Kept,
  type Fact,
  type Remembered,
  type TelegraphEvent,
  type TelegraphState,
  acknowledged,
  keptOf,
  initial,
  replay,
  restore,
  snapshot,
  step,
} from "./telegraph";

const FILES = { link: "status-file", connected: true, since: "2026-01-01T09:00:00.000Z" } as const;
const at = (n: number) => new Date(Date.UTC(2026, 0, 1, 10, n)).toISOString();

/** An event as the tests write it: a position by number or name, resolved in the state's face as a link or the gateway does. */
type Event =
  | TelegraphEvent
  | (Omit<Extract<TelegraphEvent, { type: "order" }>, "position"> & { position: PositionRef })
  | (Omit<Extract<TelegraphEvent, { type: "answer" }>, "position"> & { position: PositionRef });

function resolved(face: Face, event: Event): TelegraphEvent {
  if ((event.type !== "order" && event.type !== "answer") || typeof event.position === "object") return event as TelegraphEvent;
  const position = findPosition(face, event.position);
  if (!position) throw new Error(`no position ${event.position}`);
  return { ...event, position } as TelegraphEvent;
}
const stepOf = (state: TelegraphState, event: Event) => step(state, resolved(state.face, event));
const pos = (ref: PositionRef, face: Face = DEFAULT_FACE) => findPosition(face, ref)!;

function run(state: TelegraphState, ...events: Event[]) {
  let facts: Fact[] = [];
  for (const event of events) {
    const result = stepOf(state, event);
    if (!result.ok) throw new Error(result.error);
    state = result.state;
    facts = result.facts;
  }
  return { state, facts };
}

const order = (position: PositionRef, source: "telegraph" | "panel" | "api" = "telegraph", by?: string, n = 0, link?: "serial") =>
  ({ type: "order", position, source, by, at: at(n), link }) satisfies Event;
const answer = (position: PositionRef, by?: string, n = 0): Event => ({ type: "answer", position, by, at: at(n) });

describe("orders", () => {
  it("a new order from the telegraph takes seq 1, and the fact names the link it came through", () => {
    const { state, facts } = run(initial(DEFAULT_FACE, FILES), order(7, "telegraph", undefined, 2, "serial"));
    expect(state.order).toEqual({
      position: 7,
      name: "coffee",
      label: "COFFEE",
      seq: 1,
      at: at(2),
      source: "telegraph",
      expires: "2026-01-01T10:12:00.000Z",
    }); // COFFEE is cleared after 10 minutes
    expect(facts).toEqual([{ type: "ordered", order: state.order, link: "serial" }]);
  });

  it("an order from a panel or the API names no link (every link is told), and carries who gave it", () => {
    for (const source of ["panel", "api"] as const) {
      const from = { who: "Ann", address: "10.0.0.1", source };
      const { state, facts } = run(initial(DEFAULT_FACE, FILES), { ...order("lunch", source, "Ann"), from });
      expect(state.order).toMatchObject({ position: 8, source, by: "Ann" });
      expect(facts).toEqual([{ type: "ordered", order: state.order, from }]);
    }
  });

  it("seq grows by exactly one per new order; the same order again is not news", () => {
    const start = run(initial(DEFAULT_FACE, FILES), order(7), order(8)).state;
    expect(start.order?.seq).toBe(2);
    const again = stepOf(start, order("LUNCH", "panel"));
    expect(again).toEqual({ ok: true, state: start, facts: [] });
    expect(run(start, order(7)).state.order?.seq).toBe(3);
  });
});

describe("answers", () => {
  it("an answer that matches the order acknowledges it and goes to the accept file", () => {
    const { state, facts } = run(initial(DEFAULT_FACE, FILES), order(7), answer("coffee", "Ann", 3));
    expect(state.answer).toEqual({ position: 7, at: at(3), by: "Ann", seq: 1 });
    expect(acknowledged(state)).toBe(true);
    expect(facts).toEqual([{ type: "answered", answer: state.answer, acknowledges: state.order }]); // the first to acknowledge it
    const again = run(state, answer(6, "Bob", 4), answer(7, "Bob", 5));
    expect(again.facts).toEqual([{ type: "answered", answer: again.state.answer }]); // acknowledged already: not a second first
  });

  it("an answer that names another position is recorded but does not acknowledge", () => {
    const { state } = run(initial(DEFAULT_FACE, FILES), order(7), answer(6));
    expect(state.answer?.position).toBe(6);
    expect(acknowledged(state)).toBe(false);
  });

  it("a new order needs a new answer, even when it returns to the position answered before", () => {
    const answered = run(initial(DEFAULT_FACE, FILES), order(6), answer(6)).state;
    const back = run(answered, order(1), order(6)).state;
    expect(back.order?.seq).toBe(3);
    expect(acknowledged(back)).toBe(false);
    expect(acknowledged(run(back, answer(6)).state)).toBe(true);
  });

  it("the same answer to the same order again changes nothing", () => {
    const state = run(initial(DEFAULT_FACE, FILES), order(7), answer(7)).state;
    expect(stepOf(state, answer("COFFEE", "Bob"))).toEqual({ ok: true, state, facts: [] });
  });

  it("an answer before any order is kept but acknowledges nothing", () => {
    const { state } = run(initial(DEFAULT_FACE, FILES), answer(6));
    expect(state.answer).toMatchObject({ position: 6, seq: 0 });
    expect(snapshot(state).acknowledged).toBe(false);
  });
});

/** What the store remembers of a state (server/store/memory.ts). */
const remembered = ({ order, answer, votes, history, seq, epoch }: TelegraphState): Remembered => ({ order, answer, votes, history, seq, epoch });
const EMPTY: Remembered = { order: null, answer: null, votes: {}, history: [], seq: 0, epoch: "e1" };

/** The changes a run of events asks the store to keep, and the state after them. */
function kept(state: TelegraphState, events: Event[]): { state: TelegraphState; changes: Kept[] } {
  const changes: Kept[] = [];
  for (const event of events) {
    const result = stepOf(state, event);
    if (!result.ok) throw new Error(result.error);
    state = result.state;
    for (const fact of result.facts) changes.push(keptOf(fact)!);
  }
  return { state, changes };
}

describe("snapshot and restore", () => {
  it("the snapshot carries the order, answer, acknowledgement, face, the store's epoch and the changes so far", () => {
    const state = run(initial(DEFAULT_FACE, FILES, "e1"), order(7, "api", "Cy"), answer(7)).state;
    expect(snapshot(state)).toEqual({
      order: state.order,
      answer: state.answer,
      acknowledged: true,
      answered: 1,
      face: DEFAULT_FACE,
      telegraph: FILES,
      history: [{ order: state.order, answer: state.answer }],
      links: [],
      epoch: "e1",
      version: 2,
    });
  });

  it("on a first start (an empty store), the files' order is seq 1 and their answer is taken as given to it; both are to be kept", () => {
    const { state, facts } = restore(DEFAULT_FACE, FILES, EMPTY, { order: { position: pos(7), at: at(1) }, answer: { position: pos(7), at: at(2) } });
    expect(state.order).toMatchObject({ position: 7, seq: 1, source: "telegraph", at: at(1) });
    expect(state.answer).toEqual({ position: 7, at: at(2), seq: 1 });
    expect(acknowledged(state)).toBe(true);
    expect(facts.map(keptOf)).toEqual([{ order: state.order }, { answer: state.answer }]);
    expect(facts[0]).toMatchObject({ link: "status-file", from: { who: "telegraph" } });
    expect(restore(DEFAULT_FACE, FILES, EMPTY, {})).toEqual({ state: initial(DEFAULT_FACE, FILES, "e1"), facts: [] });
  });
});

describe("history and the store", () => {
  it("keeps the latest orders, each with the first answer that acknowledged it", () => {
    const { state } = run(initial(DEFAULT_FACE, FILES), order(7), answer(6), answer(7, "Ann", 3), answer(7, "Bob"), order(8), order(9), answer(9));
    expect(state.history.map((p) => [p.order.seq, p.order.label, p.answer?.by ?? p.answer?.position ?? null])).toEqual([
      [1, "COFFEE", "Ann"],
      [2, "LUNCH", null],
      [3, "EWW", 9],
    ]);
  });

  it("keeps at most HISTORY_LENGTH orders", () => {
    let state = initial(DEFAULT_FACE, FILES);
    for (let i = 0; i < HISTORY_LENGTH + 5; i++) state = run(state, order((i % 11) + 1)).state;
    expect(state.history).toHaveLength(HISTORY_LENGTH);
    expect(state.history.at(-1)!.order).toEqual(state.order);
    expect(state.history[0].order.seq).toBe(6);
  });

  it("replaying the changes kept gives back the state, seq and history included", () => {
    const { state, changes } = kept(initial(DEFAULT_FACE, FILES), [order(7), answer(7, "Ann"), order(8, "panel", "Bob"), order(11), answer(11)]);
    expect(changes).toHaveLength(5);
    // All but the version: the changes panels saw count from the server's start.
    expect(changes.reduce(replay, initial(DEFAULT_FACE, FILES))).toEqual({ ...state, version: 0 });
  });

  it("a restart takes what the store remembers; the files say otherwise, but they are only for a first start", () => {
    const { state } = kept(initial(DEFAULT_FACE, FILES, "e1"), [order(7), answer(7, "Ann"), order(8)]);
    expect(restore(DEFAULT_FACE, FILES, remembered(state), { order: { position: pos(1), at: at(9) } })).toEqual({
      state: { ...state, version: 0 },
      facts: [],
    });
  });

  it("seq grows from the last seq given, never from what the history still holds", () => {
    // The old journal's bug: answers pushed the orders out, and seq began again at 1.
    const answers: Kept[] = Array.from({ length: 30 }, (_, i) => ({
      answer: { position: 7 + (i % 2), at: at(1), seq: 91 },
      answerer: `a${i % 3}`,
    }));
    const afterAnswers = answers.reduce(replay, initial(DEFAULT_FACE, FILES));
    expect(afterAnswers).toMatchObject({ order: null, history: [], seq: 91 });
    expect(run(afterAnswers, order(7)).state.order).toMatchObject({ seq: 92 });
    // A store that remembers seq 40 and a short history goes on from 40.
    const short = restore(DEFAULT_FACE, FILES, { ...EMPTY, seq: 40 }, { order: { position: pos(7), at: at(1) } });
    expect(short).toEqual({ state: { ...initial(DEFAULT_FACE, FILES, "e1"), seq: 40 }, facts: [] });
    expect(run(short.state, order(3)).state.order).toMatchObject({ seq: 41 });
  });
});

describe("links' health", () => {
  const unreadable = { link: "status-file", state: "error", error: "cannot read it: permission denied", at: "/d/status.eot" } as const;
  const health = (h: object, n = 0): TelegraphEvent => ({ type: "link", health: h, at: at(n) }) as TelegraphEvent;

  it("a change is broadcast, the same news again is not, and links stay in one order", () => {
    const start = initial(DEFAULT_FACE, FILES);
    const bad = stepOf(start, health(unreadable));
    expect(bad.ok && bad.facts).toEqual([{ type: "link-changed", health: bad.ok && bad.state.links[0] }]);
    const state = bad.ok ? bad.state : start;
    expect(stepOf(state, health({ ...unreadable }))).toEqual({ ok: true, state, facts: [] });
    const both = run(state, health({ link: "serial", state: "connected", at: "/dev/chadburn" })).state;
    expect(snapshot(both).links.map((l) => l.link)).toEqual(["serial", "status-file"]);
    const fixed = run(both, health({ link: "status-file", state: "watching", at: "/d/status.eot" })).state;
    expect(snapshot(fixed).links).toEqual([
      { link: "serial", state: "connected", at: "/dev/chadburn" },
      { link: "status-file", state: "watching", at: "/d/status.eot" },
    ]);
  });
});

describe("the telegraph's presence", () => {
  const SERIAL = { link: "serial", connected: false, since: at(0), device: "/dev/chadburn" } as const;
  const said = (n: number, presence: object): TelegraphEvent => ({ type: "telegraph", at: at(n), link: "serial", ...presence }) as TelegraphEvent;

  it("connecting, and the telegraph's HELLO, are broadcast; since moves only when connected changes", () => {
    let state = initial(DEFAULT_FACE, SERIAL);
    ({ state } = run(state, said(1, { connected: true, device: "/dev/ttyACM0" })));
    expect(state.telegraph).toEqual({ link: "serial", connected: true, since: at(1), device: "/dev/ttyACM0" });
    const hello = stepOf(state, said(2, { connected: true, device: "/dev/ttyACM0", name: "chadburn-eot", firmware: "1.0.0" }));
    expect(hello.ok && hello.facts).toEqual([{ type: "telegraph-changed", telegraph: hello.ok && hello.state.telegraph }]);
    expect(hello.ok && hello.state.telegraph).toEqual({
      link: "serial",
      connected: true,
      since: at(1),
      device: "/dev/ttyACM0",
      name: "chadburn-eot",
      firmware: "1.0.0",
    });
    const gone = run(hello.ok ? hello.state : state, said(3, { connected: false, device: "/dev/ttyACM0" })).state;
    expect(snapshot(gone).telegraph).toEqual({ link: "serial", connected: false, since: at(3), device: "/dev/ttyACM0" });
  });

  it("the same news again changes nothing", () => {
    const state = initial(DEFAULT_FACE, SERIAL);
    expect(stepOf(state, said(5, { connected: false, device: "/dev/chadburn" }))).toEqual({ ok: true, state, facts: [] });
  });
});

describe("orders that insist", () => {
  const FACE = [
    { position: 1, name: "tea", label: "TEA", expires: 600 },
    { position: 2, name: "meeting", label: "MEETING", quorum: 2 },
    { position: 3, name: "fire", label: "FIRE", quorum: "everyone", repeat: 15 },
    { position: 4, name: "stop", label: "STOP" },
  ] as const satisfies Face;
  const by = (position: number, answerer: string, n = 1): Event => ({ type: "answer", position, answerer, by: answerer, at: at(n) });

  it("an order that needs two answers is acknowledged by the second person, not by the first twice", () => {
    let { state } = run(initial([...FACE], FILES), order(2));
    expect(state.order).toMatchObject({ position: 2, required: 2 });
    state = run(state, by(2, "ann")).state;
    expect(snapshot(state)).toMatchObject({ acknowledged: false, answered: 1 });
    expect(stepOf(state, by(2, "ann", 2))).toEqual({ ok: true, state, facts: [] });
    state = run(state, by(2, "bob", 3)).state;
    expect(snapshot(state)).toMatchObject({ acknowledged: true, answered: 2 });
    expect(state.history.at(-1)?.answer).toMatchObject({ by: "bob", at: at(3) });
    // Someone changing their answer takes theirs back.
    state = run(state, by(4, "ann", 4)).state;
    expect(snapshot(state)).toMatchObject({ acknowledged: false, answered: 1 });
  });

  it("everyone: as many answers as people were listening when it was given", () => {
    const { state } = run(initial([...FACE], FILES), { ...order(3), listening: 3 });
    expect(state.order?.required).toBe(3);
    expect(run(initial([...FACE], FILES), { ...order(3), listening: 0 }).state.order?.required).toBeUndefined(); // nobody listening: one answer does
    expect(snapshot(run(state, by(3, "a"), by(3, "b")).state).acknowledged).toBe(false);
    expect(snapshot(run(state, by(3, "a"), by(3, "b"), by(3, "c")).state).acknowledged).toBe(true);
  });

  it("an order that expires carries its time; expiring clears it, keeps it in the history, and seq goes on", () => {
    let { state } = run(initial([...FACE], FILES), order(1, "telegraph", undefined, 0));
    expect(state.order?.expires).toBe(new Date(Date.parse(at(0)) + 600_000).toISOString());
    expect(stepOf(state, { type: "expire", seq: 99, at: at(10) })).toEqual({ ok: true, state, facts: [] });
    const order1 = state.order;
    const expired = run(state, { type: "expire", seq: 1, at: at(10) });
    state = expired.state;
    expect(expired.facts).toEqual([{ type: "expired", order: order1, at: at(10) }]);
    expect(snapshot(state)).toMatchObject({ order: null, acknowledged: false, answered: 0 });
    expect(state.history).toEqual([{ order: expect.objectContaining({ seq: 1 }), answer: null, expired: at(10) }]);
    // The telegraph still on TEA, written again: a new order, the next seq.
    expect(run(state, order(1, "telegraph", undefined, 11)).state.order).toMatchObject({ position: 1, seq: 2 });
  });

  it("the changes kept bring back quorums and expiries", () => {
    const events = [order(2), by(2, "ann"), by(2, "bob"), order(1), { type: "expire", seq: 2, at: at(9) } as TelegraphEvent];
    const { state, changes } = kept(initial([...FACE], FILES), events);
    const again = changes.reduce(replay, initial([...FACE], FILES));
    expect(snapshot(again)).toEqual({ ...snapshot(state), version: 0 });
    expect(again.history.map((p) => [p.order.seq, p.answer?.by, p.expired])).toEqual([
      [1, "bob", undefined],
      [2, undefined, at(9)],
    ]);
  });
});
