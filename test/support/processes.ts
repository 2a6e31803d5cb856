// Processes of the tests' own: a server (server/main.ts through test/fixtures), panels in another
// process, a relay; each stopped by the test that made it.
import path from "node:path";
import { type Spawned, messageOf, spawnReady } from "./spawn";

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

/** Root's capabilities to read and write whatever a file's mode says (see capabilities(7)). */
const DAC_CAPS = "-dac_override,-dac_read_search";

/** inotify's limit of watches in the user namespace it is read in (user_namespaces(7)): a namespace of its own sets its own. */
const INOTIFY_WATCHES = "/proc/sys/user/max_inotify_watches";

/**
 * The real server (test/fixtures/chadburn.ts: no panel, so no Next build) in a process of its own,
 * on loopback: on a free port, or `port` (to start again where panels are reconnecting). With
 * `unprivileged`, file permissions bind it: run by root, it stays root (so it still reads the
 * checkout wherever that is) but `setpriv` takes away root's overriding of file modes; anyone
 * else is bound by them already. With `inotifyWatches`, it runs in a user namespace of its own
 * (as its root, so that it may set it) where it may hold that many inotify watches. `args`: more of the server's
 * flags; `env`: more of its environment.
 */
export async function spawnServer(
  dir: string,
  options: { unprivileged?: boolean; inotifyWatches?: number; port?: number; args?: string[]; env?: Record<string, string> } = {},
): Promise<ServerProcess> {
  const command = [
    process.execPath,
    "--import",
    "tsx",
    "test/fixtures/chadburn.ts",
    "--port",
    String(options.port ?? 0),
    "--host",
    "127.0.0.1",
    "--data-dir",
    dir,
    ...(options.args ?? []),
  ];
  const logs: string[] = [];
  const server = spawnReady(
    options.unprivileged && process.getuid?.() === 0
      ? ["setpriv", `--inh-caps=${DAC_CAPS}`, `--bounding-set=${DAC_CAPS}`, "--", ...command]
      : options.inotifyWatches !== undefined
        ? ["unshare", "--map-root-user", "sh", "-c", `echo ${options.inotifyWatches} > ${INOTIFY_WATCHES} && exec "$@"`, "sh", ...command]
        : command,
    (line) => /^listening (\d+)$/.exec(line)?.[1],
    { what: "the server to start", env: options.env, onLine: (line) => logs.push(messageOf(line)) },
  );
  const port = await server.ready;
  return { url: `http://127.0.0.1:${port}`, dir, statusFile: path.join(dir, "status.eot"), pid: server.pid, logs, stop: server.stop };
}

/** A state that a panel of test/fixtures/panels.ts received, and when. */
export interface ReceivedState {
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
  received: ReceivedState[];
  /** The last state each panel received: latest[server][panel]. */
  latest: ReceivedState[][];
}

/**
 * Panels in a process of their own (test/fixtures/panels.ts): `n` socket.io clients to each server,
 * reconnecting by themselves as a panel does. Resolves once each has its first state.
 */
export async function spawnPanels(servers: { url: string; n: number }[]): Promise<PanelsProcess> {
  const received: ReceivedState[] = [];
  const latest: ReceivedState[][] = servers.map(() => []);
  const command = [process.execPath, "--import", "tsx", "test/fixtures/panels.ts", ...servers.flatMap(({ url, n }) => [url, String(n)])];
  const panels = spawnReady(command, (line) => (line === "ready" ? line : undefined), {
    what: "the panels to connect",
    onLine(line) {
      const fields = /^(\d+) (\d+) (\d+) (\d+) (\d+) (\d+)$/.exec(line)?.slice(1);
      if (!fields) return;
      const [server, panel, seq, position, taken] = fields.slice(1).map(Number);
      const state = { at: Number(BigInt(fields[0]) / 1000n) / 1000, server, panel, seq, position, taken };
      received.push(state);
      latest[server][panel] = state;
    },
  });
  await panels.ready;
  return { ...panels, received, latest };
}

/**
 * A TCP relay (socat) to `url`'s server that stands for a panel on another machine with a small
 * receive window: Ethernet-sized segments (1460 bytes, not loopback's 64 KB) and a 4 KB receive
 * buffer. Linux sizes a connection's send buffer from both: toward a panel that stops reading (stop
 * the relay with it) the kernels then hold ~100 KB, where over loopback they take 4 MB.
 */
export async function lanRelay(url: string): Promise<Spawned & { url: string }> {
  const { hostname, port } = new URL(url);
  const socat = spawnReady(
    ["socat", "-d", "-d", "TCP-LISTEN:0,bind=127.0.0.1,fork,mss=1460", `TCP:${hostname}:${port},mss=1460,rcvbuf=4096`],
    (line) => /listening on AF=2 127\.0\.0\.1:(\d+)$/.exec(line)?.[1],
    { what: "socat to listen", ms: 5000, group: true }, // a socat of its own for each connection: stop ends them all
  );
  return { ...socat, url: `http://127.0.0.1:${await socat.ready}` };
}
