// Processes of the tests', the end-to-end tests' and the benchmark's own: every line they print
// handed on as it comes, and the one way to start a server and wait for the line that says it is up.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import path from "node:path";
import { createInterface } from "node:readline";
import { within } from "./wait";

/** The project's folder: commands run there unless told otherwise. */
const root = path.resolve(import.meta.dirname, "../..");

export type Stream = "stdout" | "stderr";
export type OnLine = (line: string, stream: Stream) => void;

export interface SpawnOptions {
  /** Where to run it (another checkout, for the benchmark's --before); the project's folder by default. */
  cwd?: string;
  /** More of the environment, over this process's own and NEXT_TELEMETRY_DISABLED=1. */
  env?: Record<string, string>;
  /** In a process group of its own that `kill` and `stop` signal whole: for commands that fork. */
  group?: boolean;
  /** A pipe to its standard input (`child.stdin`), for a command that is told what to do there. */
  stdin?: boolean;
  /** `stop` follows its signal with SIGKILL if the process is still there this long after. */
  killAfterMs?: number;
}

/** A process of a test's own, from spawnLines. */
export interface Spawned {
  child: ChildProcess;
  pid: number;
  /** Resolves with its exit code and signal (one of them null) once it has exited. */
  exited: Promise<[number | null, NodeJS.Signals | null]>;
  /** Resolves once it has exited and everything it printed has been read. */
  closed: Promise<void>;
  /** Resolves once `test` holds, checked now and after each line; fails if the process exits first, or after `ms`. */
  until(test: () => boolean, what: string, ms?: number): Promise<void>;
  /** Signals the process (or its group). */
  kill(signal: NodeJS.Signals): void;
  /** SIGTERM (or the signal given), then SIGCONT in case it is stopped; resolves once it has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Runs `command` and hands each line it prints (either stream) to `onLine`. */
export function spawnLines(command: string[], onLine: OnLine, options: SpawnOptions = {}): Spawned {
  const [file, ...args] = command;
  const { cwd = root, env, group = false, stdin = false, killAfterMs } = options;
  const child = spawn(file, args, {
    cwd,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...env },
    stdio: [stdin ? "pipe" : "ignore", "pipe", "pipe"],
    detached: group,
  });
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  exited.catch(() => {}); // it could not start: until and stop report it
  const closed = once(child, "close").then(() => {});
  closed.catch(() => {});
  const checks = new Set<() => void>();
  for (const stream of ["stdout", "stderr"] as const) {
    createInterface({ input: child[stream]! }).on("line", (line) => {
      onLine(line, stream);
      for (const check of checks) check();
    });
  }
  const kill = (name: NodeJS.Signals) => void (group ? process.kill(-child.pid!, name) : child.kill(name));
  return {
    child,
    pid: child.pid!,
    exited,
    closed,
    kill,
    until(test, what, ms = 5000) {
      let check = () => {};
      const held = new Promise<void>((resolve, reject) => {
        check = () => test() && resolve();
        exited.then(([code, name]) => reject(new Error(`${what}: it exited (${code ?? name})`)), reject);
      });
      checks.add(check);
      check();
      return within(held, what, ms).finally(() => checks.delete(check));
    },
    async stop(name = "SIGTERM") {
      let timer: NodeJS.Timeout | undefined;
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        kill(name);
        kill("SIGCONT"); // a stopped process acts on the signal only once it runs again
        if (killAfterMs !== undefined) timer = setTimeout(() => kill("SIGKILL"), killAfterMs);
      }
      await exited.finally(() => clearTimeout(timer));
    },
  };
}

/** A server from spawnReady; `ready` resolves with what its ready line said. */
export type Starting = Spawned & { ready: Promise<string> };

/**
 * Starts a server (or anything that says when it is up) and hands back its process at once, for
 * the caller to track; `ready` resolves once `found` finds what it waits for in a line (the port,
 * the URL). Each line goes to `onLine` first, then, until found, to `found`. If the process exits
 * first, or `ms` pass (Infinity: no bound), it is stopped and `ready` fails with every line so far.
 */
export function spawnReady(
  command: string[],
  found: (line: string, stream: Stream) => string | undefined,
  { what, ms = 30_000, onLine, ...options }: SpawnOptions & { what: string; ms?: number; onLine?: OnLine },
): Starting {
  const printed: string[] = [];
  let value: string | undefined;
  const spawned = spawnLines(
    command,
    (line, stream) => {
      onLine?.(line, stream);
      if (value !== undefined) return;
      printed.push(line);
      value = found(line, stream);
    },
    options,
  );
  const ready = spawned
    .until(() => value !== undefined, what, ms)
    .then(
      () => value!,
      async (error: Error) => {
        await spawned.stop().catch(() => {});
        await within(spawned.closed, "its last lines", 1000).catch(() => {}); // its last words (why it did not start) are read
        throw new Error(`${error.message}:\n${printed.join("\n")}`);
      },
    );
  return { ...spawned, ready };
}

/** A loopback port nothing listens on now (the kernel's choice), for a server that cannot take port 0. */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

/** What a log line says: the server logs JSON lines when piped, anything else is taken as it is. */
export const messageOf = (line: string): string => (line.startsWith("{") ? JSON.parse(line).msg : line);

/** The URL in the line server/main.ts logs once it listens ("Chadburn listening on URL; …"). */
export const listeningOn = (line: string): string | undefined => /^Chadburn listening on (https?:\/\/[^;]+);/.exec(messageOf(line))?.[1];
