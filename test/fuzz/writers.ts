// The writer fuzz: random sequences of writers (writer-kinds.ts) with random pauses against a real
// server (rig.ts). Property: within 1 s of a sequence's last write every panel shows its last value;
// no panel ever shows a value that was not written; the watch saw it all (the periodic check that
// rescues a lost watch never had to). A standalone script, not a vitest test: its 1 s bound means
// something only on a quiet machine, so it runs alone (scripts/test.sh, after vitest).
//
//   npm run fuzz -- [--sequences N] [--seed S] [--path P [--history H]] [--shrink-seconds T] [--without KIND,KIND]
//
// Sequences follow one another on one server, as writes do in life, so a failure may need what came
// before it: on failure it prints the failing sequence at once, finds how many sequences before it
// it needs to fail again on a fresh server, shrinks it there (each attempt on a fresh server), and
// prints the seed, path and history that replay it. Closes with "fuzz: N passed, N failed"; exits 1 on failure.
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import fc from "fast-check";
import { type Rig, startRig } from "./rig";
import { INITIAL, freshCarry, ms, sequence, stats } from "./sequence";
import { KIND_NAMES, type KindName, type Step, describe, stepArbitrary } from "./writer-kinds";

const { values: args } = parseArgs({
  options: {
    sequences: { type: "string", default: "300" },
    seed: { type: "string" },
    path: { type: "string" },
    // With --path: replay first the sequences this many runs before it (what the failure said).
    history: { type: "string", default: "0" },
    // Each attempt to shrink starts a fresh server (~2 s), so shrinking is bounded; 0: none.
    "shrink-seconds": { type: "string", default: "60" },
    // Writer kinds left out, to look past one failure for the next (e.g. --without fifo).
    without: { type: "string", default: "" },
  },
});
const without = args.without.split(",").filter(Boolean);
const kinds = KIND_NAMES.filter((k) => !without.includes(k));
const sequences = Number(args.sequences);
const seed = args.seed === undefined ? (Date.now() ^ (Math.random() * 2 ** 32)) | 0 : Number(args.seed);
const shrinkMs = Number(args["shrink-seconds"]) * 1000;
const history = Number(args.history);
if (
  ![sequences, seed, history].every(Number.isInteger) ||
  sequences < 1 ||
  history < 0 ||
  !(shrinkMs >= 0) ||
  without.some((k) => !KIND_NAMES.includes(k as KindName))
) {
  console.error(
    `usage: npm run fuzz -- [--sequences N] [--seed S] [--path P [--history H]] [--shrink-seconds T] [--without ${KIND_NAMES.join(",")}]`,
  );
  process.exit(2);
}
/** The flags that make the same sequences again. */
const replay = (more: string) => `npm run fuzz -- --seed=${seed}${without.length ? ` --without ${without.join(",")}` : ""} ${more}`;

const now = () => performance.now();
const arbitrary = fc.array(stepArbitrary(kinds), { minLength: 1, maxLength: 6 });

/** The `depth` sequences this seed runs before run `run` (0-based, as in a path). */
const before = (run: number, depth: number): Step[][] => (depth && run ? fc.sample(arbitrary, { seed, numRuns: run }).slice(run - depth) : []);

/** A failure being shrunk or replayed: each attempt on a fresh server, after the `history` sequences before it. */
interface Focus {
  run: number;
  history: number;
  /** No more attempts after this (performance.now()). */
  until: number;
}

class OutOfTime extends Error {}

let rig: Rig | undefined;
async function onFreshServer(steps: Step[], focus: Focus): Promise<void> {
  await rig?.stop();
  rig = await startRig(INITIAL);
  let carry = freshCarry();
  for (const [i, earlier] of before(focus.run, focus.history).entries()) {
    if (now() > focus.until) throw new OutOfTime();
    carry = await sequence(rig, carry, earlier, `#${focus.run - focus.history + i + 1} (history)`);
  }
  await sequence(rig, carry, steps, `#${focus.run + 1}`);
}

/**
 * A failure may need what the sequences before it did to the server: the fewest of them (none,
 * 1, 2, 4 … all) after which it fails again on a fresh server; undefined if it does not in time.
 */
async function historyNeeded(steps: Step[], run: number, until: number): Promise<number | undefined> {
  const depths = [...new Set([0, 1, 2, 4, 8, 16, 32, 64, 128, 256].filter((d) => d < run).concat(run))];
  for (const history of depths) {
    try {
      await onFreshServer(steps, { run, history, until });
      console.log(`  on a fresh server after the ${history} sequence(s) before it: passes`);
    } catch (error) {
      if (error instanceof OutOfTime) break;
      console.log(`  on a fresh server after the ${history} sequence(s) before it: fails again`);
      return history;
    }
    if (now() > until) break;
  }
  return undefined;
}

const started = now();
console.log(
  `fuzz: seed ${seed}, ${args.path ? `path ${args.path}, history ${args.history}` : `${sequences} sequences (replay: ${replay(`--sequences ${sequences}`)})`}`,
);

let carry = freshCarry();
let next = 0;
let passed = 0;
let failed = 0;
let attempts = 0;
let focus: Focus | undefined = args.path ? { run: Number(args.path.split(":")[0]), history, until: Infinity } : undefined;
let reproduced = true;

const property = fc.asyncProperty(arbitrary, async (steps) => {
  if (focus) {
    // Shrinking, or replaying a path: out of time, let the rest pass.
    if (now() > focus.until) return;
    // Replaying: the path's value alone (fast-check would go on to the values after it when it passes).
    const first = args.path !== undefined && attempts === 0;
    attempts++;
    try {
      await onFreshServer(steps, focus);
      if (first) {
        passed++;
        focus.until = 0;
      }
    } catch (error) {
      if (error instanceof OutOfTime) return; // not a failure: the history did not finish
      if (first) {
        failed++;
        console.log(`fuzz: FAILED:\n${(error as Error).message}`);
        focus.until = now() + shrinkMs;
      }
      throw error;
    }
    return;
  }
  const run = next++;
  try {
    rig ??= await startRig(INITIAL);
    if (run === 0 && rig.privileged)
      console.log("fuzz: note: the server can read what file permissions forbid (CAP_DAC_OVERRIDE): the chmod-000 writer proves nothing here");
    carry = await sequence(rig, carry, steps, `#${run + 1}`);
    passed++;
  } catch (error) {
    failed++;
    console.log(`fuzz: FAILED at sequence #${run + 1} of ${sequences} (${passed} passed before it), after ${ms(now() - started)}:`);
    console.log((error as Error).message);
    console.log(`  replay it with every sequence before it: ${replay(`--sequences ${run + 1}`)}`);
    if (shrinkMs === 0) throw error;
    console.log(`fuzz: shrinking for at most ${shrinkMs / 1000} s, each attempt on a fresh server; first, how much history it needs:`);
    focus = { run, history: 0, until: now() + shrinkMs };
    const needed = await historyNeeded(steps, run, focus.until);
    if (needed === undefined) {
      reproduced = false;
      focus.until = 0;
    } else {
      focus.history = needed;
      attempts = 0;
    }
    throw error;
  }
});

// Ctrl-C: the server and the temporary folders go too.
process.once("SIGINT", () => void (rig?.stop() ?? Promise.resolve()).finally(() => process.exit(130)));

let details: fc.RunDetails<[Step[]]>;
try {
  details = await fc.check(property, { seed, numRuns: sequences, path: args.path, endOnFailure: shrinkMs === 0 });
} finally {
  await rig?.stop();
}

const seconds = ((now() - started) / 1000).toFixed(1);
if (details.failed && focus && reproduced) {
  const { history, run } = focus;
  if (history) console.log(`fuzz: it needs the ${history} sequence(s) before it, replayed first on the fresh server:`);
  for (const [i, earlier] of before(run, history).entries()) console.log(`    #${run - history + i + 1}: ${earlier.map(describe).join("; ")}`);
  console.log(`fuzz: counterexample${history ? " after them" : " on a fresh server"}, shrunk ${details.numShrinks} times in ${attempts} attempts:`);
  for (const s of details.counterexample![0]) console.log(`    ${describe(s)}`);
  console.log(String((details.errorInstance as Error)?.message ?? details.errorInstance));
  console.log(
    `fuzz: seed ${seed}, path ${details.counterexamplePath}; replay it: ${replay(`--path ${details.counterexamplePath} --history ${history}`)}`,
  );
} else if (details.failed) {
  console.log(
    `fuzz: it did not fail again on a fresh server${shrinkMs ? " in time" : " (not tried)"}; seed ${seed}, path ${details.counterexamplePath}`,
  );
}
const timing = stats.sequences
  ? `; ${stats.steps} steps, ${ms(stats.writing / stats.sequences)} of writers and pauses ` +
    `a sequence; the slowest wait for every panel to show a last value: ${ms(stats.slowest)}`
  : "";
console.log(`fuzz: ${passed + failed} sequence(s) in ${seconds} s${timing}`);
console.log(`fuzz: ${passed} passed, ${failed} failed`);
process.exit(details.failed || failed || !passed ? 1 : 0);
