import { describe, expect, it } from "vitest";
import { angleOf, layoutLabel, spanOf } from "./dialGeometry";

describe("dial geometry", () => {
  it("fans the lab's 11 positions every 20.84° from -104.2° to +104.2°, the middle one straight up", () => {
    const angles = Array.from({ length: 11 }, (_, i) => angleOf(i, 11));
    expect(angles[0]).toBe(-104.2);
    expect(angles[5]).toBe(0);
    expect(angles[10]).toBe(104.2);
    for (let i = 1; i < 11; i++) expect(angles[i] - angles[i - 1]).toBeCloseTo(20.84, 2);
    expect(spanOf(11)).toBeCloseTo(20.84, 2);
  });

  it("spreads another face over the same sweep", () => {
    expect([0, 1, 2].map((i) => angleOf(i, 3))).toEqual([-104.2, 0, 104.2]);
  });

  it("splits a long label over two lines when that lets it be larger", () => {
    const one = layoutLabel("STOP", spanOf(11));
    expect(one.lines.map((l) => l.text)).toEqual(["STOP"]);
    const two = layoutLabel("BATTLE STATIONS", spanOf(11));
    expect(two.lines.map((l) => l.text)).toEqual(["BATTLE", "STATIONS"]);
    expect(two.size).toBeGreaterThan(layoutLabel("BATTLESTATIONS", spanOf(11)).size);
  });
});
