// What bench/latency.ts reports: each run's figures, Chadburn / each floor, the table and the chart's lines.
import type { BrowserFigure } from "./browser";
import type { Line } from "./chart";
import type { Fleet } from "./connection";

/** The floors (bench/floor.ts), each by what it sends per order: Chadburn's whole snapshot, the news alone, the news in socket.io's format. */
export const FLOORS = ["floor-snapshot", "floor-raw", "floor-socketio"] as const;
export type Floor = (typeof FLOORS)[number];
/**
 * Which server a run measured: Chadburn, Chadburn on several nodes over Redis (--nodes N,
 * bench/nodes.ts), Chadburn from another checkout (--before), or a floor.
 */
export type Server = "chadburn" | "chadburn-nodes" | "before" | Floor;
export const SERVERS: readonly Server[] = ["chadburn", "chadburn-nodes", "before", ...FLOORS];
export const isFloor = (server: Server): server is Floor => (FLOORS as readonly string[]).includes(server);
/** The message kinds that bring orders: Chadburn's `state` and `change`, a ws floor's frame. */
const ORDER_KINDS = ["state", "change", "frame"];

export interface Probe {
  rssKb: number;
  /** V8's heap and the buffers outside it, after a full garbage collection (bench/heap-probe.ts). */
  heapKb: number;
}

export interface Run {
  server: Server;
  /** chadburn-nodes: how many; its memory and CPU are the nodes' summed. */
  nodes?: number;
  fleet: Fleet;
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
  /**
   * What the server wrote to each client per order it received, counted by the clients: each
   * message's text as the WebSocket carried it (Engine.IO's and Socket.IO's framing included, the
   * WebSocket frame's 2–14 bytes of header not). `orders`: the messages that bring orders (`state`
   * and `change`, a ws floor's frame); `all`: everything received while the writes were measured
   * (presence, pings, replies …); `byKind`: the same by what each message was.
   */
  bytesPerOrder: { orders: number; all: number; byKind: Record<string, number> };
  /** Changes whose version did not follow the one before (a gap): should be 0. */
  gaps: number;
  /** The panel fleet: what the panels sent while measured (hello, receipt …) per order received; replies they got; the first refusals. */
  panels?: { sentPerOrder: Record<string, number>; replies: number; refusals: string[] };
  /** Chadburn's snapshot (GET /api/state) after the warm-up, bytes: what the snapshot floor sends per order. */
  snapshotBytes?: number;
  loadAverage: { before: number; after: number };
  serverSaid: string[];
}

export const round = (x: number) => Math.round(x * 100) / 100;

export const orderBytesOf = (byKind: Record<string, number>) => ORDER_KINDS.reduce((sum, kind) => sum + (byKind[kind] ?? 0), 0);

export type Ratio = Record<"p50" | "p95" | "p99" | "max" | "heapPerClient" | "cpuPerOrder" | "connect" | "bytesPerOrder", number | null>;
export function ratio(c?: Run, f?: Run): Ratio | null {
  if (!c || !f) return null;
  const r = (a?: number, b?: number) => (a === undefined || b === undefined || b <= 0 ? null : round(a / b));
  return {
    p50: r(c.latencyMs?.p50, f.latencyMs?.p50),
    p95: r(c.latencyMs?.p95, f.latencyMs?.p95),
    p99: r(c.latencyMs?.p99, f.latencyMs?.p99),
    max: r(c.latencyMs?.max, f.latencyMs?.max),
    heapPerClient: r(c.memory.heapPerClientKb, f.memory.heapPerClientKb),
    cpuPerOrder: r(c.cpuPerOrderMs, f.cpuPerOrderMs),
    connect: r(c.connectMs, f.connectMs),
    bytesPerOrder: r(c.bytesPerOrder.orders, f.bytesPerOrder.orders),
  };
}

/**
 * One number of clients and one fleet: each server's run, and Chadburn (and before) / each floor;
 * the several nodes / one node under `floor: "chadburn"`, so that the results keep their shape.
 */
export type Row = {
  n: number;
  fleet: Fleet;
  ratios: { server: Server; floor: Floor | "chadburn"; ratio: Ratio }[];
  /** With --rounds K: each server's p99 in each round, in the order run; the row holds each one's median run. */
  p99ByRound?: Partial<Record<Server, (number | null)[]>>;
} & Partial<Record<Server, Run>>;

export function ratiosOf(row: Row): Row["ratios"] {
  const pairs: [Server, Floor | "chadburn"][] = [
    ["chadburn-nodes", "chadburn"],
    ...(["chadburn", "before"] as const).flatMap((server) => FLOORS.map((floor) => [server, floor] as [Server, Floor])),
  ];
  return pairs.flatMap(([server, floor]) => {
    const r = ratio(row[server], row[floor]);
    return r ? [{ server, floor, ratio: r }] : [];
  });
}

/**
 * With --rounds K, the run that stands for a server: the one of its K whose p99 is the median (the
 * lower of the two middle ones when K is even; one without receipts counts as the slowest). A
 * figure from one real run, robust to one round that the machine's other work slowed, as
 * benchstat compares the medians of several runs.
 */
export function medianRun(runs: Run[]): Run {
  const p99 = (run: Run) => run.latencyMs?.p99 ?? Infinity;
  return [...runs].sort((a, b) => p99(a) - p99(b))[Math.floor((runs.length - 1) / 2)];
}

/** How the table names a run's server: the several nodes with their number. */
const nameOf = (kind: Server, run?: Run) => (kind === "chadburn-nodes" ? `chadburn×${run?.nodes ?? "N"}` : kind);

function points(rs: Row[], kind: Server, fleet: Fleet, which: "p50" | "p99"): [number, number][] {
  return rs.flatMap((r) => (r.fleet === fleet && r[kind]?.latencyMs ? [[r.n, r[kind]!.latencyMs![which]] as [number, number]] : []));
}

const COLOURS: Record<Server, string> = {
  chadburn: "#a3221b",
  "chadburn-nodes": "#dd6b20",
  before: "#d69e2e",
  "floor-snapshot": "#2b6cb0",
  "floor-raw": "#2f855a",
  "floor-socketio": "#6b46c1",
};

/**
 * The chart's lines, p99 and p50 by number of clients: every server with the bare fleet (or the one
 * fleet measured), and Chadburn (and before) with the panel fleet too. The floors ignore what panels
 * send, so with panels they differ only by the clients' load: left out of the chart, not the table.
 */
export function chartLines(rs: Row[]): Line[] {
  const fleets = [...new Set(rs.map((r) => r.fleet))];
  const main = fleets.includes("bare") ? "bare" : fleets[0];
  const nodes = rs.find((r) => r["chadburn-nodes"])?.["chadburn-nodes"]?.nodes;
  const names: Partial<Record<Server, string>> = { chadburn: "Chadburn", "chadburn-nodes": `Chadburn, ${nodes} nodes`, before: "Chadburn before" };
  const lines = SERVERS.map((kind) => ({ kind, fleet: main, name: names[kind] ?? kind }));
  if (main === "bare" && fleets.includes("panel"))
    lines.push({ kind: "chadburn", fleet: "panel", name: "Chadburn, panels" }, { kind: "before", fleet: "panel", name: "Chadburn before, panels" });
  return lines
    .map(({ kind, fleet, name }) => ({
      name,
      colour: fleet === "panel" && kind === "chadburn" ? "#e53e3e" : fleet === "panel" ? "#b7791f" : COLOURS[kind],
      p99: points(rs, kind, fleet, "p99"),
      p50: points(rs, kind, fleet, "p50"),
    }))
    .filter((line) => line.p99.length);
}

export function table(rs: Row[]): string[] {
  const head = [
    "clients",
    "fleet",
    "server",
    "p50",
    "p95",
    "p99",
    "max",
    "missed",
    "none saw",
    "ended final",
    "heap/client",
    "CPU/order",
    "clients' CPU",
    "B/order",
    "all B/order",
    "connect",
  ];
  const lines = [head];
  const ms = (x?: number) => (x === undefined ? "–" : `${x.toFixed(1)} ms`);
  const x = (v: number | null | undefined) => (v === null || v === undefined ? "–" : `${v.toFixed(2)}×`);
  for (const r of rs) {
    const n = r.n.toLocaleString("en");
    for (const kind of SERVERS) {
      const run = r[kind];
      if (!run) continue;
      const l = run.latencyMs ?? undefined;
      lines.push([
        n,
        r.fleet,
        nameOf(kind, run),
        ms(l?.p50),
        ms(l?.p95),
        ms(l?.p99),
        ms(l?.max),
        `${run.missed}`,
        `${run.writesNoneSaw}/${run.writes}`,
        `${run.endedFinal}/${run.connected}${run.connectFailed ? ` (${run.connectFailed} failed)` : ""}`,
        `${run.memory.heapPerClientKb.toFixed(1)} KB`,
        `${run.cpuPerOrderMs.toFixed(1)} ms`,
        `${run.clientCpuPerOrderMs.toFixed(1)} ms`,
        `${Math.round(run.bytesPerOrder.orders)}`,
        `${Math.round(run.bytesPerOrder.all)}`,
        `${(run.connectMs / 1000).toFixed(1)} s`,
      ]);
    }
    for (const { server, floor, ratio: o } of r.ratios) {
      lines.push([
        n,
        r.fleet,
        `${nameOf(server, r[server])} ÷ ${floor}`,
        x(o.p50),
        x(o.p95),
        x(o.p99),
        x(o.max),
        "",
        "",
        "",
        x(o.heapPerClient),
        x(o.cpuPerOrder),
        "",
        x(o.bytesPerOrder),
        "",
        x(o.connect),
      ]);
    }
  }
  const widths = head.map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  const note = rs.some((r) => r["chadburn-nodes"]) ? ["chadburn×N: heap/client and CPU/order are its nodes' summed (Redis's not counted)"] : [];
  for (const r of rs) {
    const each = Object.entries(r.p99ByRound ?? {}).map(([kind, p99s]) => `${kind} ${p99s.map((p) => (p === null ? "–" : p.toFixed(1))).join(", ")}`);
    if (each.length)
      note.push(`${r.n.toLocaleString("en")} ${r.fleet}: each server's median run of its rounds, whose p99s (ms) were: ${each.join("; ")}`);
  }
  return [...lines.map((l) => l.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ")), ...note];
}

export function describeBrowser(b: BrowserFigure): string {
  return [
    `browser (Chromium, ${b.writes} writes): write → dial starting to move: median ${b.medianMs} ms, worst ${b.worstMs} ms`,
    `  stages, median (worst): DOM updated ${b.stages.dom.median} (${b.stages.dom.worst}) ms; transition started ` +
      `${b.stages.transition.median} (${b.stages.transition.worst}) ms; first frame moved ${b.stages.frame.median} (${b.stages.frame.worst}) ms`,
  ].join("\n");
}
