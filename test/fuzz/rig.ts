// The server under the writer fuzz (writers.ts): a real server process (spawnServer) whose status
// file sits in a folder of its own, away from its data folder, and three panels, one of them on
// long-polling, that record every state they receive.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { tempDir } from "../support/files";
import { type Client, connect, onSnapshot } from "../support/panels";
import { type ServerProcess, spawnServer } from "../support/processes";
import { within } from "../support/wait";
import type { DisconnectDescription } from "socket.io-client";
import type { Target } from "./writer-kinds";

export interface ReceivedState {
  /** performance.now() when it arrived. */
  at: number;
  /** The order's position; undefined for "no order". */
  position?: number;
  seq?: number;
}

export interface Panel {
  name: string;
  client: Client;
  received: ReceivedState[];
  latest?: number;
  /** Why it was disconnected, once it is. */
  gone?: string;
}

export interface Rig {
  url: string;
  target: Target;
  panels: Panel[];
  /** The server's log; at level "error", so each line is an error, or something printed outside the log. */
  logs: string[];
  /** Whether the server may read what its file permissions forbid (it kept CAP_DAC_OVERRIDE or CAP_DAC_READ_SEARCH). */
  privileged: boolean;
  /** Resolves once every panel's latest state shows `position`; fails at `deadline` (a performance.now() time) with what each shows. */
  showing(position: number, deadline: number): Promise<void>;
  /** chadburn_status_watch_recoveries_total: lost watches rescued by the periodic check; 0 where there is no such metric. */
  recoveries(): Promise<number>;
  stop(): Promise<void>;
}

const PANELS: { name: string; transports: ("websocket" | "polling")[] }[] = [
  { name: "websocket 1", transports: ["websocket"] },
  { name: "websocket 2", transports: ["websocket"] },
  { name: "long-polling", transports: ["polling"] },
];

/** A disconnect's reason, with what the transport said: "transport error (xhr poll error, 400: Session ID unknown)". */
function why(reason: string, description?: DisconnectDescription): string {
  if (!description) return reason;
  if (!(description instanceof Error)) return `${reason} (${description.description})`;
  const { description: status, context } = description as Error & { description?: unknown; context?: { responseText?: unknown } };
  const said = typeof context?.responseText === "string" ? context.responseText.split("\n")[0].slice(0, 200) : "";
  return `${reason} (${[description.message, status, said].filter((part) => part !== undefined && part !== "").join(", ")})`;
}

/** CapEff's bits for CAP_DAC_OVERRIDE (1) and CAP_DAC_READ_SEARCH (2). */
const DAC_CAPS = 0b110n;

function privileged(pid: number): boolean {
  const caps = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return caps === undefined || (BigInt(`0x${caps}`) & DAC_CAPS) !== 0n;
}

/** Stops the server, with SIGKILL if SIGTERM has not ended it within 3 s (a read stuck on a FIFO can hold it). */
async function stopServer(server: ServerProcess): Promise<void> {
  try {
    await within(server.stop(), "the server to stop", 3000);
  } catch {
    await server.stop("SIGKILL");
  }
}

/** A new server and panels; the status file holds `initial` and every panel shows it. */
export async function startRig(initial: number): Promise<Rig> {
  const base = await tempDir();
  const target: Target = { folder: path.join(base, "status"), file: path.join(base, "status", "status.eot"), scratch: path.join(base, "scratch") };
  mkdirSync(target.folder);
  mkdirSync(target.scratch);
  // As root without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH, so that chmod 000 keeps it out (the
  // writer, root, still writes). Errors only: every log line is then one the fuzz must judge.
  const server = await spawnServer(path.join(base, "data"), { unprivileged: true, args: ["--status-file", target.file, "--log-level", "error"] });
  const stop = async () => {
    for (const panel of panels) panel.client.close();
    await stopServer(server);
    rmSync(base, { recursive: true, force: true });
  };

  const panels: Panel[] = [];
  const checks = new Set<() => void>();
  try {
    for (const { name, transports } of PANELS) {
      const { client, first } = await connect(server.url, { transports });
      const panel: Panel = { name, client, received: [], latest: first.order?.position };
      onSnapshot(client, ({ order }) => {
        panel.received.push({ at: performance.now(), position: order?.position, seq: order?.seq });
        panel.latest = order?.position;
        for (const check of checks) check();
      });
      client.on("disconnect", (reason, description) => {
        panel.gone = why(reason, description);
        for (const check of checks) check();
      });
      panels.push(panel);
    }
  } catch (error) {
    await stop();
    throw error;
  }

  function showing(position: number, deadline: number): Promise<void> {
    let check = () => {};
    let timer: NodeJS.Timeout | undefined;
    return new Promise<void>((resolve, reject) => {
      const fail = (why: string) => {
        const shown = panels.map((p) => `${p.name} shows ${p.latest ?? "no order"}${p.gone ? ` (disconnected: ${p.gone})` : ""}`);
        reject(new Error(`${why}: ${shown.join(", ")}`));
      };
      check = () => {
        if (panels.every((p) => p.latest === position)) resolve();
        else if (panels.some((p) => p.gone)) fail(`a panel was disconnected while waiting for ${position}`);
      };
      checks.add(check);
      check();
      timer = setTimeout(() => fail(`not every panel shows ${position}`), Math.max(0, deadline - performance.now()));
    }).finally(() => {
      clearTimeout(timer);
      checks.delete(check);
    });
  }

  async function recoveries(): Promise<number> {
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const lines = metrics.matchAll(/^chadburn_status_watch_recoveries_total(?:\{[^}]*\})? (\S+)$/gm);
    return [...lines].reduce((sum, [, n]) => sum + Number(n), 0);
  }

  const rig: Rig = { url: server.url, target, panels, logs: server.logs, privileged: privileged(server.pid), showing, recoveries, stop };
  writeFileSync(target.file, `${initial}\n`);
  try {
    await showing(initial, performance.now() + 5000);
  } catch (error) {
    await stop();
    throw error;
  }
  return rig;
}
