// The changes panels are sent, applied as every client applies them (lib/change.ts), give back the
// core's own snapshot after every step, field for field: for any sequence of orders, answers
// (quorums of any kind), expiries, and link and telegraph news.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { follow } from "../../lib/change";
import { DEFAULT_FACE } from "../../lib/face";
import { type Face, type LinkHealth, type Snapshot } from "../../lib/protocol";
import { type TelegraphEvent, type TelegraphState, changeOf, initial, snapshot, step } from "./telegraph";

const FILES = { link: "status-file", connected: true, since: "2026-01-01T09:00:00.000Z" } as const;
/** The lab's face, with a quorum of two and one of everyone as well. */
const FACE: Face = DEFAULT_FACE.map((p) => (p.position === 2 ? { ...p, quorum: 2 } : p.position === 3 ? { ...p, quorum: "everyone" } : p));
const HEALTHS: LinkHealth[] = [
  { link: "status-file", state: "watching" },
  { link: "status-file", state: "error", error: "it is a directory", since: "2026-01-01T10:00:00.000Z" },
  { link: "serial", state: "connected", at: "/dev/ttyACM0" },
  { link: "serial", state: "disconnected", error: "silent", at: "/dev/ttyACM0" },
];

/** One event, its position an index into the face (or, for an expiry, how far back the seq is). */
const anEvent = fc.oneof(
  fc.record({ type: fc.constant("order" as const), i: fc.nat(FACE.length - 1), listening: fc.nat(5) }),
  // Half the answers agree with the current order: quorums get reached.
  fc.record({ type: fc.constant("answer" as const), i: fc.nat(FACE.length - 1), who: fc.nat(4), agrees: fc.boolean() }),
  fc.record({ type: fc.constant("expire" as const), back: fc.nat(2) }),
  fc.record({ type: fc.constant("telegraph" as const), connected: fc.boolean() }),
  fc.record({ type: fc.constant("link" as const), h: fc.nat(HEALTHS.length - 1) }),
);
type Drawn = typeof anEvent extends fc.Arbitrary<infer T> ? T : never;

function eventOf(drawn: Drawn, state: TelegraphState, n: number): TelegraphEvent {
  const at = new Date(Date.UTC(2026, 0, 1, 10, 0, n)).toISOString();
  if (drawn.type === "order") return { type: "order", position: FACE[drawn.i], source: "panel", listening: drawn.listening, at };
  if (drawn.type === "answer") {
    const position = (drawn.agrees && FACE.find((p) => p.position === state.order?.position)) || FACE[drawn.i];
    return { type: "answer", position, answerer: `panel ${drawn.who}`, by: `p${drawn.who}`, at };
  }
  if (drawn.type === "expire") return { type: "expire", seq: state.seq - drawn.back, at };
  if (drawn.type === "telegraph") return { type: "telegraph", link: "status-file", connected: drawn.connected, at };
  return { type: "link", health: HEALTHS[drawn.h], at };
}

describe("changes", () => {
  it("applied in order onto the snapshot on connect, give back the server's snapshot after every step", () => {
    fc.assert(
      fc.property(fc.array(anEvent, { maxLength: 60 }), fc.nat(30), (drawn, joinsAt) => {
        let state = initial(FACE, FILES, "e1");
        let held: Snapshot | null = null;
        drawn.forEach((d, n) => {
          if (n === joinsAt) held = snapshot(state); // a panel connecting midway gets the snapshot
          const result = step(state, eventOf(d, state, n));
          if (!result.ok) return;
          expect(result.facts.length).toBeLessThanOrEqual(1); // one change per step: versions count steps
          expect(result.state.version).toBe(state.version + result.facts.length);
          state = result.state;
          for (const fact of result.facts) {
            const change = changeOf(fact, state);
            expect(change).toMatchObject({ version: state.version, epoch: "e1" });
            if (!held) continue;
            const next = follow(held, change);
            expect(next).toEqual({ snapshot: snapshot(state) });
            held = next && "snapshot" in next ? next.snapshot : held;
          }
        });
      }),
      { numRuns: 1000 },
    );
  });

  it("an order's change is the order alone: no face, no history", () => {
    const result = step(initial(FACE, FILES, "3f9c1a0e5b7d4c2a9e8f6b1d0c3a5e7f"), {
      type: "order",
      position: FACE[10],
      source: "panel",
      by: "x".repeat(40),
      at: "2026-01-01T10:00:00.000Z",
    });
    if (!result.ok) throw new Error(result.error);
    const change = changeOf(result.facts[0], result.state);
    expect(Object.keys(change).sort()).toEqual(["epoch", "order", "version"]);
    // The longest label, and the longest name anyone may give, in socket.io's frame.
    expect(`42${JSON.stringify(["change", change])}`.length).toBeLessThan(300);
  });
});
