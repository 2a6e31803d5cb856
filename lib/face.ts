// The face: which positions the telegraph has, and how to name one.
import { Face, type FacePosition, type PositionRef, parse } from "./protocol";

/**
 * The lab's own telegraph, numbered as it writes them; STOP stands at the top of the dial.
 * COFFEE is cleared after 10 minutes (nobody joins to cold coffee); BATTLE STATIONS rings every
 * 15 s until someone answers.
 */
export const DEFAULT_FACE: Face = [
  { position: 1, name: "full", label: "FULL" },
  { position: 2, name: "half", label: "HALF" },
  { position: 3, name: "slow", label: "SLOW" },
  { position: 4, name: "reverse", label: "REVERSE" },
  { position: 5, name: "next", label: "NEXT" },
  { position: 6, name: "stop", label: "STOP" },
  { position: 7, name: "coffee", label: "COFFEE", expires: 600 },
  { position: 8, name: "lunch", label: "LUNCH" },
  { position: 9, name: "eww", label: "EWW", hint: "engine working wrong" },
  { position: 10, name: "siwoti", label: "SIWOTI", hint: "someone is wrong on the internet" },
  { position: 11, name: "battle-stations", label: "BATTLE STATIONS", repeat: 15 },
];

/** Validates a face read from a JSON file. */
export function parseFace(json: unknown): { ok: true; value: Face } | { ok: false; error: string } {
  return parse(Face, json);
}

/**
 * Finds a position by number, or by name or label in any case
 * ("7", 7, "coffee", "Battle Stations", "battle-stations").
 */
export function findPosition(face: Face, ref: PositionRef): FacePosition | undefined {
  if (typeof ref === "number") return positionOf(face, ref);
  const text = ref.trim().toLowerCase();
  if (/^\d+$/.test(text)) return positionOf(face, Number(text));
  return face.find((p) => p.name === text || p.label.toLowerCase() === text);
}

/** The position with this number, if this face has it. */
export function positionOf(face: Face, position: number): FacePosition | undefined {
  return face.find((p) => p.position === position);
}

/**
 * The word on the dial for a position's number. An answer carries only the number (an order carries
 * its label too); one this face lacks (kept from another face, or a telegraph's own) is "position 12".
 */
export function labelOf(face: Face, position: number): string {
  return positionOf(face, position)?.label ?? `position ${position}`;
}

/** Explains a position nobody has, listing the ones there are. */
export function unknownPosition(face: Face, ref: PositionRef): string {
  const shown = typeof ref === "string" ? JSON.stringify(ref.slice(0, 32)) : String(ref);
  return `unknown position ${shown}: this face has ${face.map((p) => `${p.position} ${p.label}`).join(", ")}`;
}

/** The longest text that can name one position; anything longer is not a position. */
export const MAX_POSITION_TEXT = 64;

/**
 * Reads what a telegraph wrote (a status file's content, later a serial line):
 * one number, name or label; whitespace and CRLF around it do not count.
 * Empty text is "nothing yet" (a writer between truncate and write), not an error.
 */
export function readPosition(face: Face, text: string): { ok: true; position: FacePosition } | { ok: false; error: string } | { ok: "empty" } {
  const trimmed = text.trim();
  if (!trimmed) return { ok: "empty" };
  const lines = trimmed.split(/\r?\n/).length;
  // A writer that appends (>>) where it should replace (>).
  if (lines > 1 && !/[^\x20-\x7e\r\n]/.test(trimmed)) return { ok: false, error: `expected one position on one line, got ${lines} lines` };
  if (trimmed.length > MAX_POSITION_TEXT) return { ok: false, error: `expected one position, got ${text.length} characters` };
  if (/[^\x20-\x7e]/.test(trimmed)) return { ok: false, error: "expected one position, got binary or non-ASCII text" };
  const position = findPosition(face, trimmed);
  return position ? { ok: true, position } : { ok: false, error: unknownPosition(face, trimmed) };
}
