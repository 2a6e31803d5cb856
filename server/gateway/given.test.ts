// An order or answer from a panel or the API, resolved at the edge: the core gets a face position,
// who gave it, and the count of listeners only when the order needs everyone.
import { describe, expect, it } from "vitest";
import { DEFAULT_FACE } from "../../lib/face";
import type { Face } from "../../lib/protocol";
import { given } from "./given";

const ann = { role: "bridge", name: "Ann", via: "session" } as const;
const nobody = { role: "crew", via: "anonymous" } as const;
const where = { address: "10.0.0.1", connection: "panel p1 at 10.0.0.1" };

describe("given", () => {
  it("names a position by number, name or label in any case", () => {
    for (const position of [11, "11", "battle-stations", "Battle Stations", " BATTLE STATIONS "]) {
      const found = given("order", { position }, ann, "panel", where, { face: DEFAULT_FACE, listening: () => 0 });
      expect(found.ok && found.event.type === "order" && found.event.position).toBe(DEFAULT_FACE[10]);
    }
  });

  it("refuses a position the face does not have, listing the ones it has", () => {
    for (const position of [0, 12, 99, "tea"]) {
      const found = given("answer", { position }, ann, "api", where, { face: DEFAULT_FACE, listening: () => 0 });
      expect(found).toEqual({ ok: false, error: expect.stringMatching(/^unknown position .*: this face has 1 FULL, .* 11 BATTLE STATIONS$/) });
    }
  });

  it("a signed-in person gives it under their own name; anyone else answers as their panel", () => {
    expect(given("order", { position: 7, by: "Mallory" }, ann, "panel", where, { face: DEFAULT_FACE, listening: () => 0 })).toEqual({
      ok: true,
      event: { type: "order", position: DEFAULT_FACE[6], by: "Ann", source: "panel", from: { who: "Ann", address: "10.0.0.1", source: "panel" } },
    });
    const answer = given("answer", { position: 7, by: "Cy" }, nobody, "panel", where, { face: DEFAULT_FACE, listening: () => 0 });
    expect(answer.ok && answer.event).toMatchObject({ by: "Cy", answerer: "panel panel p1 at 10.0.0.1", from: { who: "anonymous" } });
  });

  it("counts who listens only for an order that everyone must answer", () => {
    const face: Face = [
      { position: 1, name: "tea", label: "TEA" },
      { position: 2, name: "fire", label: "FIRE", quorum: "everyone" },
    ];
    let asked = 0;
    const listening = () => ++asked * 10;
    const tea = given("order", { position: 1 }, ann, "api", where, { face, listening });
    expect(tea.ok && "listening" in tea.event).toBe(false);
    expect(asked).toBe(0);
    const fire = given("order", { position: "fire" }, ann, "api", where, { face, listening });
    expect(fire.ok && fire.event).toMatchObject({ listening: 10 });
  });
});
