// The production server in its own process for the benchmarks: loopback, a free port, a temporary
// data folder. Whatever is started here goes away however the run ends: call cleanUp() at the end;
// an uncaught error, Ctrl-C or a kill runs it by itself.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { constants, tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";

const root = path.resolve(import.meta.dirname, "..");
/** A child that ignores SIGTERM this long is killed outright. */
const STOP_MS = 10_000;

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
}

/**
 * Starts server/main.ts (the production build) and resolves once it listens. Every line it prints
 * after that goes to onLine; its output is read to the end either way, so the server never blocks
 * on a full pipe.
 */
export async function startServer(options: { name: string; nodeArgs?: string[]; onLine?: (line: string) => void }): Promise<BenchServer> {
  const dir = await mkdtemp(path.join(tmpdir(), `chadburn-${options.name}-`));
  onCleanUp(() => rm(dir, { recursive: true, force: true }));
  const args = ["server/main.ts", "--port", "0", "--host", "127.0.0.1", "--data-dir", dir, "--log-level", "info"];
  const child = spawn(process.execPath, ["--import", "tsx", ...(options.nodeArgs ?? []), ...args], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  onCleanUp(() => stopChild(child));
  let output = "";
  const port = await new Promise<string | undefined>((resolve) => {
    let found: string | undefined;
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (found) return options.onLine?.(line);
      output += `${line}\n`;
      found = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(line)?.[1];
      if (found) resolve(found);
    });
    child.once("exit", () => resolve(undefined));
  });
  if (!port) throw new Error(`the server did not start:\n${output}`);
  return { url: `http://127.0.0.1:${port}`, pid: child.pid!, statusFile: path.join(dir, "status.eot") };
}
