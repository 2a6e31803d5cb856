import { describe, expect, it } from "vitest";
import { DEFAULT_FACE, findPosition, labelOf, parseFace, positionOf, readPosition } from "./face";

describe("the default face", () => {
  it("is the lab's telegraph, numbered 1 to 11 with STOP in the middle", () => {
    expect(DEFAULT_FACE.map((p) => `${p.position} ${p.label}`)).toEqual([
      "1 FULL",
      "2 HALF",
      "3 SLOW",
      "4 REVERSE",
      "5 NEXT",
      "6 STOP",
      "7 COFFEE",
      "8 LUNCH",
      "9 EWW",
      "10 SIWOTI",
      "11 BATTLE STATIONS",
    ]);
    expect(parseFace(DEFAULT_FACE).ok).toBe(true);
  });
});

describe("parseFace", () => {
  const two = [
    { position: 1, name: "go", label: "GO" },
    { position: 2, name: "stop", label: "STOP" },
  ];
  it("accepts a small custom face", () => expect(parseFace(two)).toEqual({ ok: true, value: two }));
  it.each([
    [[], "a face needs at least 2 positions"],
    [[two[0], { ...two[1], position: 1 }], "position numbers must be unique"],
    [[two[0], { ...two[1], name: "go" }], "names must be unique"],
    [[two[0], { ...two[1], label: "go" }], "labels must be unique"],
    [[two[0], { ...two[1], name: "Stop Now" }], "1.name: name must be lower-case"],
    [[two[0], { ...two[1], position: -1 }], "1.position:"],
    [[two[0], { ...two[1], colour: "red" }], "1:"],
    [{ positions: two }, "expected array"],
  ])("refuses %j with a clear error", (face, error) => {
    const result = parseFace(face);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(error);
  });
});

describe("readPosition", () => {
  it.each([
    ["7", 7],
    ["7\n", 7],
    ["  7 \r\n", 7],
    ["coffee", 7],
    ["Coffee\r\n", 7],
    ["battle stations", 11],
    ["BATTLE-STATIONS", 11],
    ["011", 11],
  ])("reads %j as %i", (text, position) => {
    const result = readPosition(DEFAULT_FACE, text);
    expect(result.ok === true && result.position.position).toBe(position);
  });

  it("takes empty text as nothing yet, not as an error", () => {
    expect(readPosition(DEFAULT_FACE, "")).toEqual({ ok: "empty" });
    expect(readPosition(DEFAULT_FACE, " \r\n")).toEqual({ ok: "empty" });
  });

  it.each([
    ["garbage", /unknown position "garbage"/],
    ["42", /unknown position "42"/],
    ["7 8", /unknown position "7 8"/],
    ["\u0000\u0001\u00ff", /binary/],
    ["café", /binary or non-ASCII/],
    ["3\n7\n", /^expected one position on one line, got 2 lines$/],
    ["3\r\n\r\n7", /got 3 lines/],
    ["3\n\u0000", /binary or non-ASCII/],
    ["9".repeat(65), /expected one position, got 65 characters/],
  ])("refuses %j", (text, error) => {
    const result = readPosition(DEFAULT_FACE, text);
    expect(result.ok).toBe(false);
    if (result.ok === false) expect(result.error).toMatch(error);
  });

  it("findPosition does not guess: prefixes and other spellings are not positions", () => {
    expect(findPosition(DEFAULT_FACE, "cof")).toBeUndefined();
    expect(findPosition(DEFAULT_FACE, "battle_stations")).toBeUndefined();
  });
});

describe("a position by its number", () => {
  it("is found on the face, with its label", () => {
    expect(positionOf(DEFAULT_FACE, 11)).toMatchObject({ name: "battle-stations", repeat: 15 });
    expect(labelOf(DEFAULT_FACE, 7)).toBe("COFFEE");
  });

  it("is named by its number when the face lacks it", () => {
    expect(positionOf(DEFAULT_FACE, 42)).toBeUndefined();
    expect(labelOf(DEFAULT_FACE, 42)).toBe("position 42");
  });
});
