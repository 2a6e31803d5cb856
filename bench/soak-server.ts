// The server's memory during the soak: its RSS and CPU from /proc every 2 s, and now and then the
// heap left after a full garbage collection (bench/heap-probe.ts, preloaded into the server).
import { HEAP_PROBE_ARGS, heapProbeLine, procStats } from "./proc";

const SAMPLE_MS = 2_000;
/** Full collections forced in a run: enough to see a trend, few enough to leave the server be. */
const PROBES = 20;
/** Fewer probes than this cannot show a trend. */
const MIN_PROBES = 8;
const MB = 1024 * 1024;
/**
 * Levelling off: the heap left after a full collection (V8's heap plus the buffers it holds
 * outside it) is, on average over the last quarter of the run, at most this much above the
 * second quarter's. The first quarter is warm-up (Next, the JIT). RSS cannot be the measure: V8
 * lets garbage pile up for the first minutes (RSS climbs by 60 MB, then drops back at the first
 * full collection), which within a minute looks just like a leak. What a full collection leaves
 * is what the server really keeps: under a steady load it moves by a MB or two. A leak grows it
 * with every connection or order: 1 KB per connection adds about 14 MB between the two quarters
 * of the default 10-minute run (2,800 connections a minute, 5 minutes apart), 5 KB per order 15 MB.
 */
const ALLOWED_GROWTH = { fraction: 0.1, mb: 5 };

export interface Sample {
  /** Seconds since sampling began. */
  s: number;
  rssMb: number;
  /** CPU time used since the previous sample, in % of one core. */
  cpu: number;
  /** What a full collection left at this sample, when one was forced. */
  liveMb?: number;
  /** How long that collection held the server up. */
  pauseMs?: number;
}

export function serverMonitor(minutes: number) {
  const samples: Sample[] = [];
  const probeEvery = Math.max(1, Math.round((minutes * 60_000) / SAMPLE_MS / PROBES));
  let probing: Sample | undefined;
  let timer: NodeJS.Timeout | undefined;
  return {
    /** For the server's command line. */
    nodeArgs: HEAP_PROBE_ARGS,
    /** A line the server printed; true if it was the probe's. */
    line(line: string): boolean {
      const found = heapProbeLine(line);
      if (found && probing) Object.assign(probing, { liveMb: (found.heap + found.external) / MB, pauseMs: found.pauseMs });
      return !!found;
    },
    async start(pid: number): Promise<void> {
      const started = Date.now();
      let before = { at: started, cpuMs: (await procStats(pid)).cpuMs };
      timer = setInterval(async () => {
        const { rssKb, cpuMs } = await procStats(pid);
        const at = Date.now();
        const sample = { s: (at - started) / 1000, rssMb: rssKb / 1024, cpu: ((cpuMs - before.cpuMs) / (at - before.at)) * 100 };
        before = { at, cpuMs };
        samples.push(sample);
        if (samples.length % probeEvery) return;
        probing = sample;
        process.kill(pid, "SIGUSR2");
      }, SAMPLE_MS);
    },
    stop(): Sample[] {
      clearInterval(timer);
      return samples;
    },
  };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export function levelsOff(samples: Sample[]) {
  const probes = samples.flatMap((x) => x.liveMb ?? []);
  if (probes.length < MIN_PROBES) return { ok: false, why: `${probes.length} heap probes are too few to tell` };
  const quarter = (q: number) => mean(probes.slice(Math.floor((q * probes.length) / 4), Math.floor(((q + 1) * probes.length) / 4)));
  const second = quarter(1);
  const last = quarter(3);
  const allowed = Math.max(ALLOWED_GROWTH.mb, ALLOWED_GROWTH.fraction * second);
  const growth = last - second;
  const why =
    `heap after full GC ${last.toFixed(1)} MB in the last quarter, ${second.toFixed(1)} MB in ` +
    `the second: ${growth < 0 ? "" : "+"}${growth.toFixed(1)} MB (at most +${allowed.toFixed(1)})`;
  return { ok: growth <= allowed, why, secondMb: second, lastMb: last, allowedMb: allowed };
}

/** Seconds as m:ss. */
export const clock = (s: number) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;

/** The samples in `rows` spans: each span's end, mean and highest RSS, heap after full GC, mean CPU. */
export function memoryTable(samples: Sample[], rows = 10): string[] {
  const pauses = samples.flatMap((x) => x.pauseMs ?? []);
  const lines = [
    `RSS and CPU every 2 s; heap (and buffers) left after a full GC, forced ` +
      `${pauses.length} times (the longest held the server up ${Math.max(0, ...pauses)} ms)`,
    "  until   RSS mean   RSS max   heap after full GC   CPU",
  ];
  const mb = (x: number) => `${x.toFixed(1)} MB`.padStart(10);
  for (let r = 0; r < rows; r++) {
    const span = samples.slice(Math.floor((r * samples.length) / rows), Math.floor(((r + 1) * samples.length) / rows));
    if (!span.length) continue;
    const live = span.flatMap((x) => x.liveMb ?? []);
    const rss = span.map((x) => x.rssMb);
    const cpu = `${mean(span.map((x) => x.cpu)).toFixed(0)} %`;
    lines.push(
      `  ${clock(span.at(-1)!.s).padStart(5)}${mb(mean(rss))}${mb(Math.max(...rss))}${live.length ? mb(mean(live)) : "–".padStart(10)}${cpu.padStart(16)}`,
    );
  }
  return lines;
}
