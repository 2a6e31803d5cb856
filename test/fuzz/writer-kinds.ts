// The ways a telegraph's host, an editor or a script puts a position into the status file, for the
// writer fuzz (writers.ts). Each kind ends with the file holding "N\n"; every write of a value is
// one write syscall, so a reader may catch the file empty or absent, never half a value.
import { execFile } from "node:child_process";
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  rmdirSync,
  symlinkSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import fc from "fast-check";
import writeFileAtomic from "write-file-atomic";
import { sleep } from "../support/wait";

const run = promisify(execFile);
/** The system's python: a version manager's shim (pyenv) takes most of a second to start it. */
const PYTHON = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
const text = (n: number) => `${n}\n`;
/** Files made for ln-sfn to lead to, each a new one: the link never leads to a file that changes before it does. */
let linked = 0;

/** Where a writer works: the status file, its own folder, and a folder beside it for files to copy or move in. */
export interface Target {
  file: string;
  folder: string;
  scratch: string;
}

export interface Step {
  kind: KindName;
  /** Waited before this step: after the previous step, or after the previous sequence for the first. */
  pause: number;
  /** The position the file holds when the step is done. */
  value: number;
  /** How long the file is away, empty, unreadable or something else (the kinds with `hold`). */
  hold?: number;
  /** A burst's writes, and the value every other one of them writes (the last writes `value`). */
  count?: number;
  other?: number;
}

interface Kind {
  /** The step keeps the file in some other state for `hold` ms. */
  hold?: true;
  burst?: true;
  write(t: Target, s: Step): unknown;
}

/** A regular file with the value, written (created if need be) in place. */
const writeValue = (t: Target, s: Step) => writeFileSync(t.file, text(s.value));

const KINDS = {
  // open(O_WRONLY|O_CREAT|O_TRUNC), one write, close: node, most scripts.
  write: { write: writeValue },
  // A shell redirect (echo N > FILE): the same syscalls from another process.
  echo: { write: (t, s) => run("sh", ["-c", `echo ${s.value} > "$1"`, "sh", t.file]) },
  // Emptied first, the value written later into the same inode.
  "truncate-write": {
    hold: true,
    async write(t, s) {
      truncateSync(t.file, 0);
      await sleep(s.hold!);
      const fd = openSync(t.file, "r+");
      try {
        writeSync(fd, text(s.value));
      } finally {
        closeSync(fd);
      }
    },
  },
  // A temp file in the same folder renamed over it: editors, write-file-atomic, most daemons.
  rename: {
    write(t, s) {
      const tmp = path.join(t.folder, ".status.eot.tmp");
      writeFileSync(tmp, text(s.value));
      renameSync(tmp, t.file);
    },
  },
  "write-file-atomic": { write: (t, s) => writeFileAtomic(t.file, text(s.value)) },
  // mv from another folder: a new inode arrives without a create in the status folder.
  mv: {
    write(t, s) {
      const from = path.join(t.scratch, "mv.tmp");
      writeFileSync(from, text(s.value));
      renameSync(from, t.file);
    },
  },
  // sed -i and python's os.replace: their own temp names, renamed over it.
  "sed-i": { write: (t, s) => run("sed", ["-i", `s/.*/${s.value}/`, t.file]) },
  "os-replace": {
    write: (t, s) =>
      run(PYTHON, [
        "-I",
        "-S",
        "-c",
        "import os,sys\nt=sys.argv[1]+'.py~'\nopen(t,'w').write(sys.argv[2]+'\\n')\nos.replace(t,sys.argv[1])",
        t.file,
        String(s.value),
      ]),
  },
  // Another file's content copied into this inode, by node (fs.copyFileSync) and by cp.
  "copy-file": {
    write(t, s) {
      const from = path.join(t.scratch, "copy.src");
      writeFileSync(from, text(s.value));
      copyFileSync(from, t.file);
    },
  },
  cp: {
    async write(t, s) {
      const from = path.join(t.scratch, "cp.src");
      writeFileSync(from, text(s.value));
      await run("cp", [from, t.file]);
    },
  },
  // A link to a new file elsewhere renamed over it (ln -sfn, as a deploy script switches a link):
  // the kinds after it write through the link into that file (echo, cp, truncate, a burst) or put
  // a file in its place (rename, mv, sed -i).
  "ln-sfn": {
    write(t, s) {
      const target = path.join(t.scratch, `linked-${++linked}.eot`);
      writeFileSync(target, text(s.value));
      const link = path.join(t.folder, ".status.eot.link");
      symlinkSync(target, link);
      renameSync(link, t.file);
    },
  },
  "rm-recreate": {
    hold: true,
    async write(t, s) {
      unlinkSync(t.file);
      await sleep(s.hold!);
      writeValue(t, s);
    },
  },
  // Something that is not a regular file in its place for a while: a folder, a FIFO (whose open
  // blocks a reader that does not ask for O_NONBLOCK until someone opens it for writing).
  directory: {
    hold: true,
    async write(t, s) {
      unlinkSync(t.file);
      mkdirSync(t.file);
      await sleep(s.hold!);
      rmdirSync(t.file);
      writeValue(t, s);
    },
  },
  fifo: {
    hold: true,
    async write(t, s) {
      unlinkSync(t.file);
      await run("mkfifo", [t.file]);
      await sleep(s.hold!);
      unlinkSync(t.file);
      writeValue(t, s);
    },
  },
  // Written while unreadable (we are root; the server is not allowed to read it), then readable again.
  "chmod-000": {
    hold: true,
    async write(t, s) {
      chmodSync(t.file, 0o000);
      writeValue(t, s);
      await sleep(s.hold!);
      chmodSync(t.file, 0o644);
    },
  },
  // The status folder (only: the data folder is elsewhere) deleted, then made again.
  "rm-rf-folder": {
    hold: true,
    async write(t, s) {
      rmSync(t.folder, { recursive: true, force: true });
      await sleep(s.hold!);
      mkdirSync(t.folder);
      writeValue(t, s);
    },
  },
  // Thousands of in-place writes a second, alternating, ending on the value.
  // From a process of its own, as a real writer is: a loop here would also stop the panels, which
  // live in this process, from reading (a poller's queue then piles up on the server for a second).
  burst: {
    burst: true,
    write: (t, s) =>
      run("sh", [
        "-c",
        'i=$2; while [ "$i" -gt 0 ]; do i=$((i - 1)); if [ $((i % 2)) -eq 1 ]; then echo "$3" > "$1"; else echo "$4" > "$1"; fi; done',
        "sh",
        t.file,
        String(s.count!),
        String(s.other!),
        String(s.value),
      ]),
  },
} satisfies Record<string, Kind>;

export type KindName = keyof typeof KINDS;
export const KIND_NAMES = Object.keys(KINDS) as KindName[];

export function write(target: Target, step: Step): Promise<unknown> {
  return Promise.resolve((KINDS[step.kind] as Kind).write(target, step));
}

/** Every value the step writes into the file. */
export const valuesOf = (s: Step): number[] => (s.other === undefined ? [s.value] : [s.other, s.value]);

export function describe(s: Step): string {
  const hold = s.hold === undefined ? "" : `, held ${s.hold} ms`;
  const burst = s.count === undefined ? "" : ` (${s.count} writes, ${s.other}/${s.value} alternating)`;
  return `after ${s.pause} ms: ${s.kind} ${s.value}${burst}${hold}`;
}

/** Mostly 0–20 ms, sometimes up to `max`: short sequences, and now and then a long gap. */
const ms = (max: number) =>
  fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 0, max: 20 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max }) });
const position = fc.integer({ min: 1, max: 11 });

/**
 * One step of a kind: each kind draws only the parameters it uses, so shrinking (a fresh server
 * per attempt) spends no attempt on one that changes nothing. Printed as one line in a counterexample.
 */
export function stepArbitrary(kinds: KindName[] = KIND_NAMES): fc.Arbitrary<Step> {
  return fc.oneof(
    ...kinds.map((kind) => {
      const k: Kind = KINDS[kind];
      return fc
        .record({
          pause: ms(300),
          value: position,
          hold: k.hold ? ms(300) : fc.constant(undefined),
          count: k.burst ? fc.integer({ min: 50, max: 500 }) : fc.constant(undefined),
          other: k.burst ? position : fc.constant(undefined),
        })
        .map((p): Step => {
          const step: Step = { kind, pause: p.pause, value: p.value };
          if (p.hold !== undefined) step.hold = p.hold;
          if (p.count !== undefined) Object.assign(step, { count: p.count, other: p.other });
          return Object.assign(step, { [fc.toStringMethod]: () => describe(step) });
        });
    }),
  );
}
