import { describe, expect, it } from "vitest";
import type { Presence } from "../../lib/protocol";
import { GONE_LISTED, HERE_LISTED, REMEMBER_GONE_MS, createListeners, mergePresence } from "./listeners";

const T0 = Date.parse("2026-11-26T10:00:00.000Z");
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

/** Connections s1..sn, each saying hello as panel p1..pn with the given name (undefined: blank). */
function withPanels(...names: (string | undefined)[]) {
  const listeners = createListeners();
  names.forEach((name, i) => {
    listeners.join(`s${i + 1}`);
    expect(listeners.hello(`s${i + 1}`, { panel: `panel-${i + 1}`.padEnd(8, "x"), name }, at(0))).toEqual({ ok: true });
  });
  return listeners;
}

describe("who is listening", () => {
  it("counts panels, groups named ones by name in any case, and counts the unnamed", () => {
    const listeners = withPanels("Ann", "ann", undefined, "Bob", undefined);
    listeners.join("s6"); // connected, no hello yet: unnamed
    expect(listeners.view(at(1), undefined)).toEqual({
      panels: 6,
      unnamed: 3,
      people: [
        { name: "ann", panels: 2, lastSeen: at(0) },
        { name: "Bob", panels: 1, lastSeen: at(0) },
      ],
      receipts: null,
    });
  });

  it("a person whose last panel left is listed as gone, last seen when it left, the most recent first", () => {
    const listeners = withPanels("Ann", "Ann", "Bob", "Cy");
    listeners.leave("s1", at(5));
    listeners.leave("s3", at(7));
    listeners.leave("s4", at(9));
    expect(listeners.view(at(10), undefined).people).toEqual([
      { name: "Ann", panels: 1, lastSeen: at(5) }, // one of her panels was there when it left
      { name: "Cy", panels: 0, lastSeen: at(9) },
      { name: "Bob", panels: 0, lastSeen: at(7) },
    ]);
  });

  it("heartbeats keep last seen fresh; a renamed panel leaves its old name behind", () => {
    const listeners = withPanels("Ann");
    listeners.seen("s1", at(30));
    expect(listeners.view(at(31), undefined).people).toEqual([{ name: "Ann", panels: 1, lastSeen: at(30) }]);
    expect(listeners.hello("s1", { panel: "panel-1x", name: "Annie" }, at(40))).toEqual({ ok: true });
    expect(listeners.view(at(41), undefined).people).toEqual([
      { name: "Annie", panels: 1, lastSeen: at(40) },
      { name: "Ann", panels: 0, lastSeen: at(40) },
    ]);
  });

  it(`forgets the gone after ${REMEMBER_GONE_MS / 3600_000} h, and lists at most ${GONE_LISTED}`, () => {
    const names = Array.from({ length: GONE_LISTED + 5 }, (_, i) => `P${i}`);
    const listeners = withPanels(...names);
    names.forEach((_, i) => listeners.leave(`s${i + 1}`, at(i)));
    const people = listeners.view(at(100), undefined).people;
    expect(people).toHaveLength(GONE_LISTED);
    expect(people[0]).toEqual({ name: `P${GONE_LISTED + 4}`, panels: 0, lastSeen: at(GONE_LISTED + 4) });
    expect(listeners.view(at(REMEMBER_GONE_MS / 1000 + 30), undefined).people.map((p) => p.name)).toEqual(names.slice(30).reverse());
  });

  it(`lists at most ${HERE_LISTED} people connected now, by name, and counts the others`, () => {
    const names = Array.from({ length: HERE_LISTED + 7 }, (_, i) => `P${String(i).padStart(3, "0")}`);
    const view = withPanels(...names, undefined).view(at(1), undefined);
    expect(view.people.map((p) => p.name)).toEqual(names.slice(0, HERE_LISTED));
    expect(view).toMatchObject({ panels: HERE_LISTED + 8, unnamed: 1, others: 7 });
    expect(withPanels("Ann").view(at(1), undefined)).not.toHaveProperty("others");
  });

  it("one connection speaks for one panel", () => {
    const listeners = withPanels("Ann");
    expect(listeners.hello("s1", { panel: "another-panel", name: "Ann" }, at(1))).toMatchObject({ ok: false });
    expect(listeners.hello("nobody", { panel: "panel-9x", name: "Ann" }, at(1))).toMatchObject({ ok: false });
  });
});

describe("receipts for the current order", () => {
  it("each panel counted once, by the most it reported: a bell that rang stays rung", () => {
    const listeners = withPanels("Ann", "Bob", undefined, "Cy", "Dee");
    const report = (socket: string, heard: "delivered" | "rang" | "muted" | "blocked") =>
      expect(listeners.receipt(socket, { seq: 3, heard }, 3, at(1))).toEqual({ ok: true });
    for (const s of ["s1", "s2", "s3", "s4", "s5"]) report(s, "delivered");
    report("s1", "rang");
    report("s1", "delivered"); // a late, lesser report does not undo the ring
    report("s2", "rang");
    report("s3", "muted");
    report("s4", "blocked");
    expect(listeners.view(at(2), 3).receipts).toEqual({ seq: 3, delivered: 5, rang: 2, muted: 1, blocked: 1 });
  });

  it("two connections of one tab (a reconnect) count as one panel", () => {
    const listeners = withPanels("Ann");
    listeners.receipt("s1", { seq: 1, heard: "rang" }, 1, at(1));
    listeners.leave("s1", at(2));
    listeners.join("s2");
    listeners.hello("s2", { panel: "panel-1x", name: "Ann" }, at(3));
    listeners.receipt("s2", { seq: 1, heard: "delivered" }, 1, at(3));
    expect(listeners.view(at(4), 1).receipts).toEqual({ seq: 1, delivered: 1, rang: 1, muted: 0, blocked: 0 });
  });

  it("a new order starts from nothing; a receipt for another order or before hello is refused", () => {
    const listeners = withPanels("Ann");
    listeners.receipt("s1", { seq: 1, heard: "rang" }, 1, at(1));
    expect(listeners.view(at(2), 2).receipts).toEqual({ seq: 2, delivered: 0, rang: 0, muted: 0, blocked: 0 });
    expect(listeners.receipt("s1", { seq: 1, heard: "rang" }, 2, at(2))).toEqual({ ok: false, error: "order 1 is not the current order" });
    listeners.join("s9");
    expect(listeners.receipt("s9", { seq: 2, heard: "rang" }, 2, at(2))).toMatchObject({ ok: false, error: expect.stringMatching(/hello/) });
    expect(listeners.view(at(3), 2).receipts).toEqual({ seq: 2, delivered: 0, rang: 0, muted: 0, blocked: 0 });
  });
});

describe("mergePresence: who listens on several nodes", () => {
  /** One node's view of the named people here (their panels), at `seconds`. */
  const node = (people: Record<string, number>, seconds = 0): Presence => ({
    panels: Object.values(people).reduce((sum, n) => sum + n, 0),
    unnamed: 0,
    people: Object.entries(people).map(([name, panels]) => ({ name, panels, lastSeen: at(seconds) })),
    receipts: null,
  });

  it("adds up panels, a person's panels under one name, and the receipts for the current order only", () => {
    const a = { ...node({ Ann: 1, Bob: 2 }), unnamed: 1, panels: 4, receipts: { seq: 7, delivered: 3, rang: 1, muted: 0, blocked: 1 } };
    const b = { ...node({ ann: 1 }, 5), receipts: { seq: 7, delivered: 1, rang: 1, muted: 0, blocked: 0 } };
    const behind = { ...node({}), receipts: { seq: 6, delivered: 9, rang: 9, muted: 9, blocked: 9 } }; // a node not on order 7 yet
    expect(mergePresence([a, b, behind], 7)).toEqual({
      panels: 5,
      unnamed: 1,
      people: [
        { name: "ann", panels: 2, lastSeen: at(5) }, // as last typed
        { name: "Bob", panels: 2, lastSeen: at(0) },
      ],
      receipts: { seq: 7, delivered: 4, rang: 2, muted: 0, blocked: 1 },
    });
  });

  it("lists the first people by name of all nodes, and those gone from every node, the latest first", () => {
    const names = (from: number, n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`p${String(from + i).padStart(3, "0")}`, 1]));
    // Each node lists its own first HERE_LISTED by name; the merge lists the first of all of them.
    const a = node(names(0, HERE_LISTED));
    const b = node(names(HERE_LISTED - 10, HERE_LISTED));
    const goneFromB = { name: "p000", panels: 0, lastSeen: at(-60) }; // here on a: not gone
    const goneEverywhere = [1, 2].map((i) => ({ name: `left${i}`, panels: 0, lastSeen: at(-i) }));
    const merged = mergePresence(
      [
        { ...a, others: 3 },
        { ...b, people: [...b.people, goneFromB, ...goneEverywhere] },
      ],
      undefined,
    );
    const here = merged.people.filter((p) => p.panels > 0);
    expect(here.map((p) => p.name)).toEqual(Object.keys(names(0, HERE_LISTED)));
    expect(here.find((p) => p.name === "p045")?.panels).toBe(2); // on both
    expect(merged.others).toBe(3 + (HERE_LISTED * 2 - 10 - HERE_LISTED)); // theirs, and those past the list once merged
    expect(merged.people.filter((p) => p.panels === 0)).toEqual(goneEverywhere);
    expect(mergePresence([node({})], 3).receipts).toEqual({ seq: 3, delivered: 0, rang: 0, muted: 0, blocked: 0 });
  });
});
