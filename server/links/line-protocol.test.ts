import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { LineReader, formatLine, parseLine } from "./line-protocol";

interface Vector {
  line: string;
  kind: string;
}
const { vectors, formatted }: { vectors: Vector[]; formatted: Vector[] } = JSON.parse(
  readFileSync(new URL("../../firmware/protocol-vectors.json", import.meta.url), "utf8"),
);

describe("parseLine agrees with the shared vectors", () => {
  it.each(vectors.map((v) => [JSON.stringify(v.line), v] as const))("%s", (_name, { line, ...meaning }) => {
    expect(parseLine(line)).toEqual(meaning);
  });
});

describe("formatLine agrees with the shared vectors", () => {
  it.each(formatted.map((v) => [v.line, v] as const))("%s", (_name, { line, ...message }) => {
    expect(formatLine(message as Parameters<typeof formatLine>[0])).toBe(line);
    expect(parseLine(line)).toEqual(message);
  });
});

describe("LineReader", () => {
  const read = (...chunks: string[]) => {
    const reader = new LineReader();
    const seen: string[] = [];
    for (const chunk of chunks)
      reader.feed(
        Buffer.from(chunk, "latin1"),
        (l) => seen.push(l),
        () => seen.push("<dropped>"),
      );
    return seen;
  };

  it("joins lines split across reads and keeps CR for the parser", () => {
    expect(read("OR", "DER 7\r", "\nPO", "NG\n7\n8")).toEqual(["ORDER 7\r", "PONG", "7"]);
  });

  it("drops an over-long line whole, however it arrives, and reads the next one", () => {
    expect(read("x".repeat(1000) + "\n7\n")).toEqual(["<dropped>", "7"]);
    expect(read("x".repeat(40), "y".repeat(40), "z".repeat(500), "\n", "8\n")).toEqual(["<dropped>", "8"]);
    expect(read("9".repeat(64) + "\n")).toEqual(["9".repeat(64)]);
    expect(read("9".repeat(65) + "\n")).toEqual(["<dropped>"]);
  });
});
