// The dispatch between the pure core and its subscribers, with fake timers: which facts go out, in
// what order, once each; what a failing subscriber does to the others; expiry on the clock.
import { Writable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DEFAULT_FACE, findPosition } from "../../lib/face";
import { createLogger } from "../log";
import { type After, createBus } from "./bus";
import { createDispatch } from "./dispatch";
import { type Fact, initial } from "./telegraph";

const FILES = { link: "status-file", connected: true, since: "2026-01-01T09:00:00.000Z" } as const;
const place = (ref: number | string) => findPosition(DEFAULT_FACE, ref)!;

function rig() {
  const logs: string[] = [];
  const log = createLogger("info", new Writable({ write: (chunk, _e, done) => (logs.push(JSON.parse(String(chunk)).msg), done()) }));
  const bus = createBus(log);
  const seen: string[] = [];
  const facts: Fact[] = [];
  const changes: After[] = [];
  bus.on("store", ["ordered", "answered", "expired"], (fact) => {
    seen.push(`store ${fact.type}`);
    facts.push(fact);
  });
  bus.onEvery("panels", (fact, after) => {
    seen.push(`panels ${fact.type}`);
    changes.push(after);
  });
  const dispatch = createDispatch(initial(DEFAULT_FACE, FILES), bus);
  return { bus, dispatch, seen, facts, changes, logs };
}

beforeEach(() => {
  vi.useFakeTimers({ now: new Date("2026-01-01T10:00:00.000Z") });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("dispatch", () => {
  it("stamps the time, publishes each fact once, the store before the panels, and nothing for what is no news", async () => {
    const { dispatch, seen, facts, changes } = rig();
    const result = await dispatch.handle({ type: "order", position: place("lunch"), source: "panel", by: "Ann" });
    expect(result.ok && result.snapshot.order).toMatchObject({ position: 8, seq: 1, at: "2026-01-01T10:00:00.000Z" });
    expect(seen).toEqual(["store ordered", "panels ordered"]);
    expect(changes[0].snapshot).toBe(dispatch.snapshot());
    await dispatch.handle({ type: "order", position: place(8), source: "telegraph", link: "status-file" }); // the same order again
    await dispatch.handle({ type: "link", health: { link: "status-file", state: "watching" } });
    expect(seen).toEqual(["store ordered", "panels ordered", "panels link-changed"]); // link news reaches the panels, not the store
    vi.setSystemTime(new Date("2026-01-01T10:00:07.000Z"));
    await dispatch.handle({ type: "answer", position: place(8), answerer: "session Bob", by: "Bob" });
    expect(facts.map((f) => f.type)).toEqual(["ordered", "answered"]);
    expect(facts[1]).toMatchObject({ answer: { at: "2026-01-01T10:00:07.000Z" }, acknowledges: { seq: 1 } });
    dispatch.close();
  });

  it("resolves once every subscriber's work is done; one that fails is logged and the others still run", async () => {
    const { bus, dispatch, seen, logs } = rig();
    let release: () => void = () => {};
    const written = new Promise<void>((resolve) => (release = resolve));
    bus.on("links", ["ordered"], () => written);
    bus.on("push", ["ordered"], () => {
      throw new Error("push service down");
    });
    let done = false;
    const handled = dispatch.handle({ type: "order", position: place(6), source: "api" }).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(false); // the link has not written yet
    expect(seen).toEqual(["store ordered", "panels ordered"]); // the failing push did not stop the panels
    expect(logs).toEqual(["push: could not handle the fact ordered: push service down"]);
    release();
    await handled;
    expect(done).toBe(true);
    dispatch.close();
  });

  it("an order that expires is cleared on the clock, once: the fact names the order", async () => {
    const { dispatch, facts, changes } = rig();
    await dispatch.handle({ type: "order", position: place("coffee"), source: "panel" }); // expires after 600 s
    await vi.advanceTimersByTimeAsync(599_000);
    expect(facts.map((f) => f.type)).toEqual(["ordered"]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(facts.at(-1)).toEqual({ type: "expired", order: expect.objectContaining({ seq: 1, label: "COFFEE" }), at: "2026-01-01T10:10:00.000Z" });
    expect(changes.at(-1)?.snapshot.order).toBeNull();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(facts).toHaveLength(2);
    dispatch.close();
  });

  it("a newer order replaces the expiry of the one before", async () => {
    const { dispatch, facts } = rig();
    await dispatch.handle({ type: "order", position: place("coffee"), source: "panel" });
    await vi.advanceTimersByTimeAsync(300_000);
    await dispatch.handle({ type: "order", position: place("stop"), source: "panel" });
    await vi.advanceTimersByTimeAsync(900_000);
    expect(facts.map((f) => f.type)).toEqual(["ordered", "ordered"]);
    dispatch.close();
  });
});
