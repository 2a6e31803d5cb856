// Prometheus metrics for GET /metrics. Each server has its own registry: tests run several servers
// in one process, and each must count only its own. Call sites stay one line; the core has none.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { LinkHealth } from "../lib/protocol";
import type { ClusterHealth } from "../lib/routes";
import type { FactOf } from "./telegraph/bus";

export interface Metrics {
  contentType: string;
  /** The exposition text: the process's metrics, then this server's. */
  text(): Promise<string>;
  /** Counts an order or answer that took effect (the core's fact), and times a first acknowledgement. */
  /** An order or answer that took effect on the telegraph `telegraph` (its slug). */
  count(fact: FactOf<"ordered" | "answered">, telegraph: string): void;
  /** Times one broadcast as a whole: one observation however many panels it reaches. */
  timeBroadcast(emit: () => void): void;
  /** The status file's safety net found a change its watch had missed, on the telegraph `slug`. */
  watchRecovered(slug: string): void;
}

/** What is read at scrape time rather than kept up to date on every change. */
export interface Watched {
  panels(): number;
  /** Every telegraph's links, by its slug. */
  links(): { slug: string; links: LinkHealth[] }[];
  /** With several nodes: this node's part (server/cluster/). */
  cluster?: () => ClusterHealth;
}

let processRegistry: Registry | undefined;

/**
 * The process's own metrics (CPU, memory, event-loop lag, GC), under their standard names, once per
 * process: prom-client never stops the event-loop timer and GC observer it starts for them, so a
 * set per server would pile up where many servers start (the tests). They describe the process anyway.
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

const up = (state: LinkHealth["state"]) => (state === "watching" || state === "connected" ? 1 : 0);

export function createMetrics(watched: Watched): Metrics {
  const own = new Registry();
  const registers = [own];
  new Gauge({
    name: "chadburn_panels_connected",
    help: "socket.io connections (panels and scripts) admitted now.",
    registers,
    collect() {
      this.set(watched.panels());
    },
  });
  new Gauge({
    name: "chadburn_telegraph_link_up",
    help: "1 while a link works (status file watched and readable, serial telegraph speaking), else 0; per telegraph, by its slug.",
    labelNames: ["link", "telegraph"],
    registers,
    collect() {
      for (const { slug, links } of watched.links()) for (const health of links) this.set({ link: health.link, telegraph: slug }, up(health.state));
    },
  });
  const { cluster } = watched;
  if (cluster) {
    new Gauge({
      name: "chadburn_redis_up",
      help: "1 while this node reaches Redis (several nodes, --redis), else 0.",
      registers,
      collect() {
        this.set(cluster().redis === "answers" ? 1 : 0);
      },
    });
    new Gauge({
      name: "chadburn_telegraph_writer",
      help: "1 while this node is the telegraph's writer (holds its lease), else 0; per telegraph, by its slug.",
      labelNames: ["telegraph"],
      registers,
      collect() {
        const { writes } = cluster();
        for (const { slug } of watched.links()) this.set({ telegraph: slug }, writes.includes(slug) ? 1 : 0);
      },
    });
  }
  // Labels are bounded: a face has at most 32 positions, three sources, the telegraphs the config file names.
  const byOrder = ["position", "source", "telegraph"];
  const orders = new Counter({ name: "chadburn_orders_total", help: "Orders that took effect.", labelNames: byOrder, registers });
  const answers = new Counter({ name: "chadburn_answers_total", help: "Answers that took effect.", labelNames: byOrder, registers });
  const recoveries = new Counter({
    name: "chadburn_status_watch_recoveries_total",
    help: "Changes to the status file that its watch missed and the periodic check found (each re-arms the watch); per telegraph.",
    labelNames: ["telegraph"],
    registers,
    collect() {
      for (const { slug } of watched.links()) this.inc({ telegraph: slug }, 0); // 0 is a count too: every telegraph's series is there
    },
  });
  const broadcast = new Histogram({
    name: "chadburn_broadcast_duration_seconds",
    help: "Time to encode a change and hand it to every panel's connection.",
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5],
    registers,
  });
  /** The telegraphs whose acknowledgements have a series (zero() would reset one). */
  const timed = new Set<string>();
  const acknowledge = new Histogram({
    name: "chadburn_acknowledge_seconds",
    help: "Time from an order to the first answer that acknowledges it.",
    buckets: [1, 2, 5, 10, 30, 60, 120, 300, 600, 1800],
    labelNames: ["telegraph"],
    registers,
    collect() {
      // Every telegraph's series from the first scrape, empty until its first acknowledgement.
      for (const { slug } of watched.links()) {
        if (timed.has(slug)) continue;
        timed.add(slug);
        this.zero({ telegraph: slug });
      }
    },
  });

  // Merged after every metric above is made: the merge takes the metrics there are.
  const registry = Registry.merge([processMetrics(), own]);

  return {
    contentType: registry.contentType,
    text: () => registry.metrics(),
    count(fact, telegraph) {
      if (fact.type === "ordered") return orders.inc({ position: String(fact.order.position), source: fact.order.source, telegraph });
      const { answer, acknowledges, from } = fact;
      answers.inc({ position: String(answer.position), source: from?.source ?? "unknown", telegraph });
      if (!acknowledges) return;
      timed.add(telegraph);
      acknowledge.observe({ telegraph }, (Date.parse(answer.at) - Date.parse(acknowledges.at)) / 1000);
    },
    watchRecovered: (slug) => recoveries.inc({ telegraph: slug }),
    timeBroadcast(emit) {
      const end = broadcast.startTimer();
      try {
        emit();
      } finally {
        end();
      }
    },
  };
}
