// What the simulator's two sides have in common: the files (sim/file.ts) or a serial line
// (sim/serial.ts) carry its orders out and its answers back.
import type { FacePosition } from "../lib/protocol";

export interface Side {
  /** Gives this order; `awkward`: the slow way, as a sluggish writer or UART would. */
  order(position: FacePosition, awkward: boolean): Promise<void>;
  /** Runs one of this side's own commands (`plug`, `raw …`); false when `word` is none of them. */
  command(word: string, text: string): Promise<boolean>;
  /** Random orders go out only while this holds. */
  live(): boolean;
  close(): Promise<void>;
}

/** How long an awkward writer leaves its order half written. */
export const AWKWARD_PAUSE_MS = 200;

/** Everything the simulator reports is one line on standard output; tests wait for these. */
export function say(line: string): void {
  process.stdout.write(`${line}\n`);
}
