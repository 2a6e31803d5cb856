// Processes of the tests' own: a server (server/main.ts through test/fixtures), panels in another
// process, a relay, anything that prints lines; each stopped by the test that made it.
import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { createInterface } from "node:readline";

const root = path.resolve(import.meta.dirname, "..");

export interface ServerProcess {
  url: string;
  dir: string;
  statusFile: string;
  /** Its process id, for /proc/<pid> or a signal. */
  pid: number;
  /** Every line the process printed (a log line's message), newest last. */
  logs: string[];
  /** SIGTERM (or the signal given), and resolves once it has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** A process of a test's own, from spawnLines. */
export interface Spawned {
  pid: number;
  /** Resolves with its exit code and signal (one of them null) once it has exited. */
  exited: Promise<[number | null, NodeJS.Signals | null]>;
  /** Resolves once `test` holds, checked now and after each line; fails if the process exits first, or after `ms`. */
  until(test: () => boolean, what: string, ms?: number): Promise<void>;
  /** Signals the process (or its group). */
  kill(signal: NodeJS.Signals): void;
  /** SIGTERM (or the signal given), then SIGCONT in case it is stopped; resolves once it has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Runs `command` in the project's folder and hands each line it prints (either stream) to `onLine`.
 * With `group`, in a process group of its own that `stop` signals whole: for commands that fork.
 */
export function spawnLines(command: string[], onLine: (line: string) => void, group = false): Spawned {
  const [file, ...args] = command;
  const child = spawn(file, args, { cwd: root, env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" }, stdio: ["ignore", "pipe", "pipe"], detached: group });
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  exited.catch(() => {}); // it could not start: until and stop report it
  const checks = new Set<() => void>();
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on("line", (line) => {
      onLine(line);
      for (const check of checks) check();
    });
  }
  const kill = (name: NodeJS.Signals) => void (group ? process.kill(-child.pid!, name) : child.kill(name));
  return {
    pid: child.pid!,
    exited,
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
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        kill(name);
        kill("SIGCONT"); // a stopped process acts on the signal only once it runs again
      }
      await exited;
    },
  };
}

/** Root's capabilities to read and write whatever a file's mode says (see capabilities(7)). */
const DAC_CAPS = "-dac_override,-dac_read_search";

/**
 * The real server (test/fixtures/chadburn.ts: no panel, so no Next build) in a process of its own,
 * on loopback: on a free port, or `port` (to start again where panels are reconnecting). With
 * `unprivileged`, file permissions bind it: run by root, it stays root (so it still reads the
 * checkout wherever that is) but `setpriv` takes away root's overriding of file modes; anyone
 * else is bound by them already. `args`: more of the server's flags.
 */
export async function spawnServer(dir: string, options: { unprivileged?: boolean; port?: number; args?: string[] } = {}): Promise<ServerProcess> {
  const command = [process.execPath, "--import", "tsx", "test/fixtures/chadburn.ts", "--port", String(options.port ?? 0), "--host", "127.0.0.1", "--data-dir", dir, ...(options.args ?? [])];
  const logs: string[] = [];
  let port: string | undefined;
  const server = spawnLines(
    options.unprivileged && process.getuid?.() === 0 ? ["setpriv", `--inh-caps=${DAC_CAPS}`, `--bounding-set=${DAC_CAPS}`, "--", ...command] : command,
    (line) => {
      const message: string = line.startsWith("{") ? JSON.parse(line).msg : line; // the log: JSON lines
      logs.push(message);
      port ??= /^listening (\d+)$/.exec(message)?.[1];
    },
  );
  try {
    await server.until(() => port !== undefined, "the server to start", 30_000);
  } catch (error) {
    await server.stop().catch(() => {});
    throw new Error(`${(error as Error).message}:\n${logs.join("\n")}`, { cause: error });
  }
  return { url: `http://127.0.0.1:${port}`, dir, statusFile: path.join(dir, "status.eot"), pid: server.pid, logs, stop: server.stop };
}

/** A state that a panel of test/fixtures/panels.ts received. */
export interface Receipt {
  /** When, in ms of CLOCK_MONOTONIC (process.hrtime): the clock every process on the machine shares. */
  at: number;
  /** Which of the process's servers, and which of its panels there. */
  server: number;
  panel: number;
  seq: number;
  position: number;
  /** When the server took the order (the order's `at`), in ms since the epoch; 0 before the first order. */
  taken: number;
}

export interface PanelsProcess extends Spawned {
  /** Every state received, oldest first. */
  receipts: Receipt[];
  /** The last state each panel received: latest[server][panel]. */
  latest: Receipt[][];
}

/**
 * Panels in a process of their own (test/fixtures/panels.ts): `n` socket.io clients to each server,
 * reconnecting by themselves as a panel does. Resolves once each has its first state.
 */
export async function spawnPanels(servers: { url: string; n: number }[]): Promise<PanelsProcess> {
  const receipts: Receipt[] = [];
  const latest: Receipt[][] = servers.map(() => []);
  let ready = false;
  const command = [process.execPath, "--import", "tsx", "test/fixtures/panels.ts", ...servers.flatMap(({ url, n }) => [url, String(n)])];
  const panels = spawnLines(command, (line) => {
    ready ||= line === "ready";
    const fields = /^(\d+) (\d+) (\d+) (\d+) (\d+) (\d+)$/.exec(line)?.slice(1);
    if (!fields) return;
    const [server, panel, seq, position, taken] = fields.slice(1).map(Number);
    const receipt = { at: Number(BigInt(fields[0]) / 1000n) / 1000, server, panel, seq, position, taken };
    receipts.push(receipt);
    latest[server][panel] = receipt;
  });
  try {
    await panels.until(() => ready, "the panels to connect", 30_000);
  } catch (error) {
    await panels.stop().catch(() => {});
    throw error;
  }
  return { ...panels, receipts, latest };
}

/**
 * A TCP relay (socat) to `url`'s server that stands for a panel on another machine with a small
 * receive window: Ethernet-sized segments (1460 bytes, not loopback's 64 KB) and a 4 KB receive
 * buffer. Linux sizes a connection's send buffer from both: toward a panel that stops reading (stop
 * the relay with it) the kernels then hold ~100 KB, where over loopback they take 4 MB.
 */
export async function lanRelay(url: string): Promise<Spawned & { url: string }> {
  const { hostname, port } = new URL(url);
  let listening: string | undefined;
  const socat = spawnLines(
    ["socat", "-d", "-d", "TCP-LISTEN:0,bind=127.0.0.1,fork,mss=1460", `TCP:${hostname}:${port},mss=1460,rcvbuf=4096`],
    (line) => (listening ??= /listening on AF=2 127\.0\.0\.1:(\d+)$/.exec(line)?.[1]),
    true, // a socat of its own for each connection: stop ends them all
  );
  try {
    await socat.until(() => listening !== undefined, "socat to listen");
  } catch (error) {
    await socat.stop().catch(() => {});
    throw error;
  }
  return { ...socat, url: `http://127.0.0.1:${listening}` };
}

/** Fails with `what` if the promise has not settled within `ms`, instead of hanging until the test's timeout. */
export function within<T>(promise: Promise<T>, what: string, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
