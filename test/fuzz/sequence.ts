// One sequence of the writer fuzz (writers.ts) and the property it must keep: within 1 s of its
// last write every panel shows the last value; no panel shows a value that was never written; the
// watch saw every change (the periodic check that rescues a lost watch never had to); the server
// logged no error that is not about the status file.
import { performance } from "node:perf_hooks";
import { sleep } from "../support/wait";
import type { Rig } from "./rig";
import { type Step, describe, valuesOf, write } from "./writer-kinds";

/** The bound of the issue: every panel shows the last value within this of the last write. */
const SHOWN_WITHIN_MS = 1000;
/** What the status file holds before the first sequence on a server. */
export const INITIAL = 1;

const now = () => performance.now();
export const ms = (t: number) => `${Math.round(t)} ms`;

/** What a sequence leaves to the next on the same server: there is no reset between them. */
export interface Carry {
  /** The value the file holds, and every panel shows. */
  current: number;
  /** What the previous sequence wrote: a state for it may still be on its way (see sequence). */
  written: Set<number>;
  /** The previous sequence's last write + 1 s. */
  deadline: number;
}

export const freshCarry = (): Carry => ({ current: INITIAL, written: new Set(), deadline: 0 });

/** For the closing lines: where the time goes, and the slowest wait for the panels after a last write. */
export const stats = { sequences: 0, steps: 0, writing: 0, slowest: 0 };

/** The whole sequence, the states each panel received and the server's log lines, for a failure's message. */
function story(rig: Rig, steps: string[], start: number, receivedFrom: number[], logsFrom: number): string {
  const lines = [
    "  steps (time since the sequence began):",
    ...steps.map((s) => `    ${s}`),
    "  states each panel received (time, position, order seq):",
  ];
  for (const [i, p] of rig.panels.entries()) {
    const got = p.received.slice(receivedFrom[i]).map((r) => `+${ms(r.at - start)} ${r.position ?? "none"} #${r.seq ?? 0}`);
    lines.push(`    ${p.name}: ${got.join(", ") || "nothing"}`);
  }
  const logs = rig.logs.slice(logsFrom);
  if (logs.length) lines.push("  the server logged:", ...logs.map((l) => `    ${l}`));
  return lines.join("\n");
}

/** Runs one sequence and checks the property; throws an Error that tells the story. */
export async function sequence(rig: Rig, carry: Carry, steps: Step[], label: string): Promise<Carry> {
  const start = now();
  const receivedFrom = rig.panels.map((p) => p.received.length);
  const logsFrom = rig.logs.length;
  const timeline: string[] = [];
  const fail = (what: string): never => {
    throw new Error(`sequence ${label}: ${what}\n${story(rig, timeline, start, receivedFrom, logsFrom)}`);
  };

  // The previous sequence's check ended as soon as every panel showed its last value; if that value
  // had been written before in it, states for later writes may still come, and must end on it
  // again within its 1 s (usually long settled by now: then this is one look).
  await rig
    .showing(carry.current, carry.deadline)
    .catch((e: Error) => fail(`after the previous sequence, within 1 s of its last write: ${e.message}`));

  const written = new Set<number>();
  let lastWrite = start;
  for (const step of steps) {
    await sleep(step.pause);
    const began = now();
    for (const v of valuesOf(step)) written.add(v);
    try {
      await write(rig.target, step);
    } catch (error) {
      timeline.push(`+${ms(began - start)} ${describe(step)}: FAILED`);
      fail(`the writer itself failed: ${(error as Error).message}`);
    }
    lastWrite = now();
    timeline.push(`+${ms(began - start)} ${describe(step)} (done +${ms(lastWrite - start)})`);
  }
  const last = steps.at(-1)!.value;
  const deadline = lastWrite + SHOWN_WITHIN_MS;
  await rig.showing(last, deadline).catch((e: Error) => fail(`within 1 s of the last write (${last}): ${e.message}`));
  stats.sequences++;
  stats.steps += steps.length;
  stats.writing += lastWrite - start;
  stats.slowest = Math.max(stats.slowest, now() - lastWrite);

  // Besides this sequence's values, the value before it, and the previous sequence's (see above).
  const allowed = new Set([carry.current, ...carry.written, ...written]);
  for (const [i, p] of rig.panels.entries()) {
    const never = p.received.slice(receivedFrom[i]).find((r) => r.position === undefined || !allowed.has(r.position));
    if (never)
      fail(`${p.name} showed ${never.position ?? "no order"}, which was not written (written: ${[...allowed].sort((a, b) => a - b).join(", ")})`);
  }
  const recovered = await rig.recoveries();
  if (recovered > 0) fail(`the periodic check rescued a lost watch (chadburn_status_watch_recoveries_total ${recovered}): the watch missed a change`);
  // Errors about the status file may come from what the writers do to it; any other is the server's own.
  const errors = rig.logs.slice(logsFrom).filter((l) => !l.includes(rig.target.folder) && !/^listening \d+$/.test(l) && !l.startsWith("(node:"));
  if (errors.length) fail(`the server logged errors that are not about the status file:\n    ${errors.join("\n    ")}`);
  return { current: last, written, deadline };
}
