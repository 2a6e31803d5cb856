// The production server in its own process for the benchmarks: loopback, a free port, a temporary
// data folder. Whatever is started here goes away however the run ends: call cleanUp() at the end;
// an uncaught error, Ctrl-C or a kill runs it by itself.
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { constants, tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { spawnReady } from "../test/support/spawn";

/** A child that ignores SIGTERM this long is killed outright. */
const STOP_MS = 10_000;
/** How long startServer waits for a panel build under way elsewhere, and how often it looks. */
const BUILD_WAIT_MS = 10 * 60_000;
const BUILD_POLL_MS = 5_000;

const undo: (() => Promise<unknown>)[] = [];
let trapped = false;
let cleaning: Promise<void> | undefined;

/** Undoes everything registered, newest first (the server stops before its folder goes); once. */
export function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    while (undo.length) await undo.pop()!().catch(() => {});
  })();
  return cleaning;
}

/** Registers something to undo; the first call also arms Ctrl-C, kills and uncaught errors. */
export function onCleanUp(fn: () => Promise<unknown>): void {
  if (!trapped) {
    trapped = true;
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
      process.once(signal, () => void cleanUp().finally(() => process.exit(128 + constants.signals[signal])));
    }
    // Not once: a second error while cleaning up must not end the process before that is done.
    process.on("uncaughtException", (error) => {
      console.error(error);
      void cleanUp().finally(() => process.exit(1));
    });
  }
  undo.push(fn);
}

/** Stops a child process and resolves once it is gone. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_MS);
  await exited;
  clearTimeout(timer);
}

export interface BenchServer {
  url: string;
  pid: number;
  statusFile: string;
  /** The temporary folder its files are in (removed at cleanUp()). */
  dir: string;
  /** Stops it now (cleanUp() would anyway). */
  stop(): Promise<void>;
  /** Several nodes (bench/nodes.ts): each one's URL and process; url and pid above are the first's. */
  nodes?: { url: string; pid: number }[];
}

export interface Start {
  name: string;
  /** Another checkout to run server/main.ts from (to compare a change with what came before); this one by default. */
  root?: string;
  nodeArgs?: string[];
  onLine?: (line: string) => void;
  /** More of server/main.ts's arguments (--redis URL). */
  args?: string[];
  /** Another server's data folder, to share (several nodes); a temporary one of its own by default. */
  dataDir?: string;
  /** Every line on its stdout from its start: onLine gets them only once it listens, and a node may say it writes before. */
  watch?: (line: string) => void;
}

/**
 * Starts server/main.ts (the production build) and resolves once it listens. Every line it prints
 * after that goes to onLine; its output is read to the end either way, so the server never blocks
 * on a full pipe.
 */
export async function startServer(options: Start): Promise<BenchServer> {
  // The data folder is a folder of its own inside the temporary one, as in a real installation
  // (/var/lib/chadburn): the watch looks at the data folder's parent too (for the folder's removal),
  // and chokidar reads a watched folder again, and stats each entry, when anything in it changes.
  // The system's temporary folder, busy with the whole machine's files, would be measured instead.
  const dir = options.dataDir ?? path.join(await tempDir(options.name), "data");
  const args = ["server/main.ts", "--port", "0", "--host", "127.0.0.1", "--data-dir", dir, "--log-level", "info", ...(options.args ?? [])];
  for (let waited = 0; ; waited += BUILD_POLL_MS) {
    try {
      const url = await listening(options, args, /listening on (http:\/\/127\.0\.0\.1:\d+)/, "the server");
      return { ...url, statusFile: path.join(dir, "status.eot"), dir };
    } catch (error) {
      // Someone else on the machine is rebuilding the panel (npm test, npm start after an edit):
      // .next is gone for a minute or two. Wait for the build rather than fail the run.
      if (!/production build/.test((error as Error).message) || waited > BUILD_WAIT_MS) throw error;
      if (!waited) process.stderr.write("the panel's build (.next) is missing, being rebuilt elsewhere? waiting for it…\n");
      await sleep(BUILD_POLL_MS);
    }
  }
}

/**
 * Starts a floor (bench/floor.ts: fs.watch and `ws`, nothing else) on an empty status file of its
 * own, and resolves once it listens. `frame`: what it sends per order; `template`: the snapshot file
 * whose shape and size the snapshot floor's frames copy.
 */
export async function startFloor(options: Start & { frame: "snapshot" | "raw" | "socketio"; template?: string }): Promise<BenchServer> {
  const dir = await tempDir(options.name);
  const statusFile = path.join(dir, "status.eot");
  await writeFile(statusFile, "");
  const args = ["bench/floor.ts", "--file", statusFile, "--frame", options.frame, ...(options.template ? ["--template", options.template] : [])];
  const url = await listening(options, args, /^floor listening on (http:\/\/127\.0\.0\.1:\d+)/, "the floor");
  return { ...url, statusFile, dir };
}

async function tempDir(name: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `chadburn-${name}-`));
  onCleanUp(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Runs `node --import tsx [nodeArgs] args` in the project (or options.root) and resolves with its
 * URL once a line on its stdout matches `ready`. Its stderr goes on to ours; its stdout, once it
 * listens, to onLine (and from the start to watch). Its output is read to the end either way, so it
 * never blocks on a full pipe.
 */
async function listening(options: Start, args: string[], ready: RegExp, what: string): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  let up = false; // set by the ready line, which itself is not passed on
  const child = spawnReady(
    [process.execPath, "--import", "tsx", ...(options.nodeArgs ?? []), ...args],
    (line, stream) => {
      const url = stream === "stdout" ? ready.exec(line)?.[1] : undefined;
      up = url !== undefined;
      return url;
    },
    {
      what: `${what} to start`,
      ms: Infinity,
      cwd: options.root,
      // Thousands of clients, all from 127.0.0.1: far more than one address may have by default. A
      // variable, not a flag, so that an older checkout (--before) that has no such setting ignores it.
      env: { CHADBURN_CONNECTIONS_PER_ADDRESS: "1000000" },
      killAfterMs: STOP_MS,
      onLine: (line, stream) => {
        if (stream === "stderr") return void process.stderr.write(`${line}\n`);
        options.watch?.(line);
        if (up) options.onLine?.(line);
      },
    },
  );
  onCleanUp(child.stop);
  return { url: await child.ready, pid: child.pid, stop: child.stop };
}
