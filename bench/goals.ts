// The goals of issue 15 (docs/performance.md) for the figures a run has, for each fleet measured:
// met or missed, and the figure. A goal whose figures the run lacks (a size or floor not run) is left out.
import type { BrowserFigure } from "./browser";
import type { Floor, Row } from "./report";

export type Goal = { goal: string; met: boolean; figure: string };

/** Per number of panels: p99 against the raw and the socket.io-wire floor, at most this many times. */
const P99_TIMES: Record<number, Partial<Record<Floor, number>>> = {
  1000: { "floor-raw": 1.3, "floor-socketio": 1.1 },
  5000: { "floor-raw": 1.5, "floor-socketio": 1.2 },
  10000: { "floor-raw": 1.5, "floor-socketio": 1.2 },
};
/** What the server writes to each panel per order, at 1,000 panels (the messages that bring orders). */
const BYTES_PER_ORDER = 300;
/** Server memory per panel at 10,000 (heap and buffers after a full collection). */
const HEAP_PER_PANEL_KB = 12;
/** Server CPU per order at 10,000, against the socket.io-wire floor's. */
const CPU_TIMES_SOCKETIO_FLOOR = 1.5;
const BROWSER_MEDIAN_MS = 50;

export function goalsOf(rows: Row[], browser: BrowserFigure | { error: string } | undefined): Goal[] {
  const goals: Goal[] = [];
  for (const row of rows) {
    const c = row.chadburn;
    if (!c) continue;
    const at = `${row.n.toLocaleString("en")} panels (${row.fleet} fleet)`;
    for (const [floor, times] of Object.entries(P99_TIMES[row.n] ?? {}) as [Floor, number][]) {
      const f = row[floor];
      if (!c.latencyMs || !f?.latencyMs) continue;
      const r = c.latencyMs.p99 / f.latencyMs.p99;
      goals.push({
        goal: `${at}: p99 ≤ ${times} × ${floor}`,
        met: r <= times,
        figure: `${c.latencyMs.p99} ms vs ${f.latencyMs.p99} ms (${r.toFixed(2)}×)`,
      });
    }
    if (row.n === 1000) {
      goals.push({ goal: `${at}: 0 missed`, met: c.missed === 0 && c.connected === 1000, figure: `${c.missed} missed of ${c.connected * c.writes}` });
      goals.push({
        goal: `${at}: ≤ ${BYTES_PER_ORDER} bytes per order per panel`,
        met: c.bytesPerOrder.orders <= BYTES_PER_ORDER,
        figure: `${Math.round(c.bytesPerOrder.orders)} bytes in the messages that bring orders (${Math.round(c.bytesPerOrder.all)} in all messages)`,
      });
    }
    if (row.n === 5000)
      goals.push({ goal: `${at}: every panel ends on the last value`, met: c.endedFinal === 5000, figure: `${c.endedFinal} of 5,000` });
    if (row.n === 10000) {
      goals.push({
        goal: `${at}: connected and served`,
        met: c.connected === 10000 && c.endedFinal === 10000,
        figure: `${c.connected} connected, ${c.endedFinal} ended on the last value, ${c.missed} deliveries missed`,
      });
      goals.push({
        goal: `${at}: ≤ ${HEAP_PER_PANEL_KB} KB server memory per panel`,
        met: c.memory.heapPerClientKb <= HEAP_PER_PANEL_KB,
        figure: `${c.memory.heapPerClientKb} KB heap after a full collection (${c.memory.rssPerClientKb} KB RSS) per panel`,
      });
      const f = row["floor-socketio"];
      if (f)
        goals.push({
          goal: `${at}: server CPU per order ≤ ${CPU_TIMES_SOCKETIO_FLOOR} × floor-socketio's`,
          met: c.cpuPerOrderMs <= CPU_TIMES_SOCKETIO_FLOOR * f.cpuPerOrderMs,
          figure: `${c.cpuPerOrderMs} ms vs ${f.cpuPerOrderMs} ms (${(c.cpuPerOrderMs / f.cpuPerOrderMs).toFixed(2)}×)`,
        });
    }
  }
  const browserGoal = `browser: write → dial moving, median ≤ ${BROWSER_MEDIAN_MS} ms`;
  if (browser && "medianMs" in browser)
    goals.push({
      goal: browserGoal,
      met: browser.medianMs <= BROWSER_MEDIAN_MS,
      figure: `median ${browser.medianMs} ms, worst ${browser.worstMs} ms`,
    });
  else if (browser) goals.push({ goal: browserGoal, met: false, figure: `failed: ${browser.error}` });
  return goals;
}

/** The goals, met or missed, under the load the machine had. */
export function describeGoals(
  goals: Goal[],
  { cores, loadAverage, loadAverageAtEnd }: { cores: number; loadAverage: number[]; loadAverageAtEnd: number[] },
): string {
  const head = `goals (${cores} cores, load average ${loadAverage.join(" ")} at the start, ${loadAverageAtEnd.join(" ")} at the end):`;
  return [head, ...goals.map((g) => `  ${g.met ? "met    " : "MISSED "} ${g.goal}: ${g.figure}`)].join("\n");
}
