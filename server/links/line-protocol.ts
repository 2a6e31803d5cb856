// The telegraph's line protocol over serial (firmware/PROTOCOL.md). The firmware's C parser
// follows the same rules; both are tested against firmware/protocol-vectors.json.

/** Longest line either side accepts, without its newline; a longer one is dropped whole. */
export const MAX_LINE_BYTES = 64;

export type LineError = "too-long" | "unknown" | "bad-number" | "bad-hello";

export type Line =
  | { kind: "order" | "answer"; position: number }
  | { kind: "hello"; name: string; version: string }
  | { kind: "ping" | "pong" | "empty" }
  | { kind: "error"; error: LineError };

const NUMBER = /^\d{1,3}$/;
const NAME = /^[A-Za-z0-9._-]{1,24}$/;
const VERSION = /^[A-Za-z0-9._+-]{1,16}$/;

export function parseLine(line: string): Line {
  if (Buffer.byteLength(line, "latin1") > MAX_LINE_BYTES) return { kind: "error", error: "too-long" };
  const text = line.replace(/^[ \t\r]+|[ \t\r]+$/g, "");
  if (!text) return { kind: "empty" };
  if (/[^\x20-\x7e\t]/.test(text)) return { kind: "error", error: "unknown" };
  const [word, ...rest] = text.split(/[ \t]+/);
  if (/^\d+$/.test(text)) return NUMBER.test(text) ? { kind: "order", position: Number(text) } : { kind: "error", error: "bad-number" };
  switch (word.toUpperCase()) {
    case "ORDER":
    case "ANSWER":
      if (rest.length !== 1 || !NUMBER.test(rest[0])) return { kind: "error", error: "bad-number" };
      return { kind: word.toLowerCase() as "order" | "answer", position: Number(rest[0]) };
    case "PING":
    case "PONG":
      return rest.length ? { kind: "error", error: "unknown" } : { kind: word.toLowerCase() as "ping" | "pong" };
    case "HELLO":
      if (rest.length !== 2 || !NAME.test(rest[0]) || !VERSION.test(rest[1])) return { kind: "error", error: "bad-hello" };
      return { kind: "hello", name: rest[0], version: rest[1] };
    default:
      return { kind: "error", error: "unknown" };
  }
}

/** One message as a line, without the newline. */
export function formatLine(message: Exclude<Line, { kind: "empty" | "error" }>): string {
  switch (message.kind) {
    case "order":
    case "answer":
      return `${message.kind.toUpperCase()} ${message.position}`;
    case "hello":
      return `HELLO ${message.name} ${message.version}`;
    default:
      return message.kind.toUpperCase();
  }
}

/**
 * Splits a byte stream into lines, dropping a line longer than MAX_LINE_BYTES whole (up to and
 * including its newline) so a flood without newlines never grows memory.
 */
export class LineReader {
  private buffer = "";
  private overflow = false;

  /** Feeds bytes; calls onLine for each complete line and onDropped for each over-long one. */
  feed(chunk: Buffer, onLine: (line: string) => void, onDropped: () => void): void {
    let text = chunk.toString("latin1");
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n")) {
      const line = this.buffer + text.slice(0, nl);
      text = text.slice(nl + 1);
      this.buffer = "";
      if (this.overflow || line.length > MAX_LINE_BYTES) onDropped();
      else onLine(line);
      this.overflow = false;
    }
    if (this.overflow) return;
    this.buffer += text;
    if (this.buffer.length > MAX_LINE_BYTES) {
      this.buffer = "";
      this.overflow = true;
    }
  }
}
