import { describe, expect, it } from "vitest";
import { Request, parse } from "./protocol";

describe("Request", () => {
  it.each([
    [{ position: 7 }, { position: 7 }],
    [
      { position: "coffee", by: "Ann" },
      { position: "coffee", by: "Ann" },
    ],
    [
      { position: " Battle Stations ", by: "  Ann  " },
      { position: "Battle Stations", by: "Ann" },
    ],
    [{ position: 7, by: "   " }, { position: 7 }],
  ])("accepts %j", (input, value) => {
    const result = parse(Request, input);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.value).toEqual(value);
  });

  it.each([
    [null, "expected an object {position, by}, received null"],
    ["7", "expected an object {position, by}, received string"],
    [{}, "position:"],
    [{ position: {} }, "position:"],
    [{ position: 7.5 }, "position:"],
    [{ position: "" }, "position:"],
    [{ position: "x".repeat(33) }, "position:"],
    [{ position: 7, by: "x".repeat(41) }, "by: at most 40 characters"],
    [{ position: {} }, "position: expected a position: its number, or its name or label"],
    [{ position: 7, by: 5 }, "by:"],
    [{ position: 7, by: "A\u200Bnn" }, "by: a name cannot hold control, zero-width or direction-changing characters"],
    [{ position: 7, by: "\u202EnnA" }, "by: a name cannot hold control, zero-width or direction-changing characters"],
    [{ position: 7, by: "Ann\u0000" }, "by: a name cannot hold control, zero-width or direction-changing characters"],
    [{ position: 7, shutdown: true }, "shutdown"],
  ])("refuses %j, naming the field", (input, error) => {
    const result = parse(Request, input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(error);
  });

  it("names each field once", () => {
    const result = parse(Request, { position: 7, by: "x".repeat(41) });
    expect(result).toEqual({ ok: false, error: "by: at most 40 characters" });
  });
});
