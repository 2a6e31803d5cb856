// What bench/latency.ts reports: each run's figures, Chadburn / floor ratios, the goals, the table.
import type { BrowserFigure } from "./browser";
import type { Line } from "./chart";

/** Which server a run measured: Chadburn, the floor (two frame sizes), or Chadburn from another checkout. */
export type Server = "chadburn" | "floor" | "floor-small" | "before";

export interface Probe {
  rssKb: number;
  /** V8's heap and the buffers outside it, after a full garbage collection (bench/heap-probe.ts). */
  heapKb: number;
}

export interface Run {
  server: Server;
  n: number;
  connected: number;
  connectFailed: number;
  connectErrors: string[];
  /** From the first handshake to every client having its first message. */
  connectMs: number;
  writes: number;
  /** When each write began (monotonic ms: process.hrtime, as on any process's clock). */
  writesAt: number[];
  receipts: number;
  /** Deliveries that never came: connected clients × writes − receipts. */
  missed: number;
  /** Writes no client received: the server never took them (overwritten before it read them). */
  writesNoneSaw: number;
  /** Each write's slowest receipt (ms; 0: no client got it): which writes make the tail. */
  slowestPerWrite: number[];
  /** Which (0-based, of the measured writes), and how long after the previous write each began (ms). */
  unseenWrites: { write: number; afterPreviousMs: number | null }[];
  /** Clients whose last order was the last write's. */
  endedFinal: number;
  dropped: number;
  unmatched: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number; mean: number } | null;
  memory: { before: Probe; after: Probe; rssPerClientKb: number; heapPerClientKb: number };
  /** Server CPU (user + system) from the first write until every client reported, per order (a write some client received). */
  cpuPerOrderMs: number;
  cpuMs: number;
  /** The client processes' CPU over the same time, all together, per order: the load generator's share of the machine. */
  clientCpuPerOrderMs: number;
  /** The snapshot or frame size of the last order, bytes. */
  frameBytes?: number;
  loadAverage: { before: number; after: number };
  serverSaid: string[];
}

export const round = (x: number) => Math.round(x * 100) / 100;

export type Ratio = Record<"p50" | "p95" | "p99" | "max" | "rssPerClient" | "cpuPerOrder" | "connect", number | null>;
export function ratio(c?: Run, f?: Run): Ratio | null {
  if (!c || !f) return null;
  const r = (a?: number, b?: number) => (a === undefined || b === undefined || b <= 0 ? null : round(a / b));
  return {
    p50: r(c.latencyMs?.p50, f.latencyMs?.p50),
    p95: r(c.latencyMs?.p95, f.latencyMs?.p95),
    p99: r(c.latencyMs?.p99, f.latencyMs?.p99),
    max: r(c.latencyMs?.max, f.latencyMs?.max),
    rssPerClient: r(c.memory.rssPerClientKb, f.memory.rssPerClientKb),
    cpuPerOrder: r(c.cpuPerOrderMs, f.cpuPerOrderMs),
    connect: r(c.connectMs, f.connectMs),
  };
}

/** One number of clients: each server's run, and Chadburn / floor. */
export type Row = { n: number; ratio: Ratio | null } & Partial<Record<Server, Run>>;
export type Goal = { goal: string; met: boolean; figure: string };

/** The goals (docs/performance.md) for the figures a run has: met or not, and the figure. */
/** The goals, met or missed, under the load the machine had. */
export function describeGoals(
  goals: Goal[],
  { cores, loadAverage, loadAverageAtEnd }: { cores: number; loadAverage: number[]; loadAverageAtEnd: number[] },
): string {
  const head = `goals (${cores} cores, load average ${loadAverage.join(" ")} at the start, ${loadAverageAtEnd.join(" ")} at the end):`;
  return [head, ...goals.map((g) => `  ${g.met ? "met    " : "MISSED "} ${g.goal}: ${g.figure}`)].join("\n");
}

export function goalsOf(rows: Row[], browser: BrowserFigure | { error: string } | undefined): Goal[] {
  const goals: Goal[] = [];
  const rowOf = (n: number) => rows.find((r) => r.n === n);
  const p99Goal = (n: number) => {
    const row = rowOf(n);
    if (!row?.chadburn?.latencyMs || !row.floor?.latencyMs) return;
    goals.push({
      goal: `${n.toLocaleString("en")} clients: p99 ≤ 1.5 × the floor`,
      met: row.ratio!.p99! <= 1.5,
      figure: `${row.chadburn.latencyMs.p99} ms vs ${row.floor.latencyMs.p99} ms (${row.ratio!.p99}×)`,
    });
  };
  p99Goal(1000);
  if (rowOf(1000)?.chadburn) {
    const c = rowOf(1000)!.chadburn!;
    goals.push({
      goal: "1,000 clients: 0 missed",
      met: c.missed === 0 && c.connected === 1000,
      figure: `${c.missed} missed of ${c.connected * c.writes}`,
    });
  }
  if (rowOf(5000)?.chadburn) {
    const c = rowOf(5000)!.chadburn!;
    goals.push({ goal: "5,000 clients: every client ends on the final value", met: c.endedFinal === 5000, figure: `${c.endedFinal} of 5,000` });
  }
  p99Goal(5000);
  if (rowOf(10000)?.chadburn) {
    const c = rowOf(10000)!.chadburn!;
    goals.push({
      goal: "10,000 clients connected and served",
      met: c.connected === 10000 && c.endedFinal === 10000,
      figure: `${c.connected} connected, ${c.endedFinal} ended on the final value, ${c.missed} deliveries missed`,
    });
    goals.push({
      goal: "10,000 clients: ≤ 20 KB server memory per client",
      met: c.memory.rssPerClientKb <= 20,
      figure: `${c.memory.rssPerClientKb} KB RSS (${c.memory.heapPerClientKb} KB heap) per client`,
    });
  }
  if (browser && "medianMs" in browser) {
    goals.push({
      goal: "browser: write → dial moving, median ≤ 50 ms",
      met: browser.medianMs <= 50,
      figure: `median ${browser.medianMs} ms, worst ${browser.worstMs} ms`,
    });
  } else if (browser) {
    goals.push({ goal: "browser: write → dial moving, median ≤ 50 ms", met: false, figure: `failed: ${browser.error}` });
  }
  return goals;
}

function points(rs: Row[], kind: Server, which: "p50" | "p99"): [number, number][] {
  return rs.flatMap((r) => (r[kind]?.latencyMs ? [[r.n, r[kind]!.latencyMs![which]] as [number, number]] : []));
}

/** The chart's lines: each server measured in this run, p99 and p50 by number of clients. */
export function chartLines(rs: Row[]): Line[] {
  return [
    { name: "Chadburn", colour: "#a3221b", kind: "chadburn" as const },
    { name: "floor", colour: "#2b6cb0", kind: "floor" as const },
    { name: "floor, small frame", colour: "#888888", kind: "floor-small" as const },
    { name: "Chadburn before", colour: "#d69e2e", kind: "before" as const },
  ]
    .map(({ name, colour, kind }) => ({ name, colour, p99: points(rs, kind, "p99"), p50: points(rs, kind, "p50") }))
    .filter((line) => line.p99.length);
}

export function table(rs: Row[]): string[] {
  const head = [
    "clients",
    "server",
    "p50",
    "p95",
    "p99",
    "max",
    "missed",
    "none saw",
    "ended final",
    "RSS/client",
    "heap/client",
    "CPU/order",
    "clients' CPU",
    "connect",
  ];
  const lines = [head];
  const ms = (x?: number) => (x === undefined ? "–" : `${x.toFixed(1)} ms`);
  const x = (v: number | null | undefined) => (v === null || v === undefined ? "–" : `${v.toFixed(2)}×`);
  for (const r of rs) {
    for (const kind of ["chadburn", "before", "floor", "floor-small"] as const) {
      const run = r[kind];
      if (!run) continue;
      const l = run.latencyMs ?? undefined;
      lines.push([
        r.n.toLocaleString("en"),
        kind,
        ms(l?.p50),
        ms(l?.p95),
        ms(l?.p99),
        ms(l?.max),
        `${run.missed}`,
        `${run.writesNoneSaw}/${run.writes}`,
        `${run.endedFinal}/${run.connected}${run.connectFailed ? ` (${run.connectFailed} failed)` : ""}`,
        `${run.memory.rssPerClientKb.toFixed(1)} KB`,
        `${run.memory.heapPerClientKb.toFixed(1)} KB`,
        `${run.cpuPerOrderMs.toFixed(1)} ms`,
        `${run.clientCpuPerOrderMs.toFixed(1)} ms`,
        `${(run.connectMs / 1000).toFixed(1)} s`,
      ]);
    }
    if (r.ratio) {
      const o = r.ratio;
      lines.push([
        r.n.toLocaleString("en"),
        "ratio",
        x(o.p50),
        x(o.p95),
        x(o.p99),
        x(o.max),
        "",
        "",
        "",
        x(o.rssPerClient),
        "",
        x(o.cpuPerOrder),
        "",
        x(o.connect),
      ]);
    }
  }
  const widths = head.map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  return lines.map((l) => l.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  "));
}

export function describeBrowser(b: BrowserFigure): string {
  return [
    `browser (Chromium, ${b.writes} writes): write → dial starting to move: median ${b.medianMs} ms, worst ${b.worstMs} ms`,
    `  stages, median (worst): DOM updated ${b.stages.dom.median} (${b.stages.dom.worst}) ms; transition started ` +
      `${b.stages.transition.median} (${b.stages.transition.worst}) ms; first frame moved ${b.stages.frame.median} (${b.stages.frame.worst}) ms`,
  ].join("\n");
}
