// What the benchmark reads about processes and the machine from /proc (Linux).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { availableParallelism, cpus, loadavg, release, totalmem } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

/** Linux counts CPU time in these per second (USER_HZ) whatever the kernel's own tick. */
export const TICKS_PER_S = 100;

/** A process's resident memory (kB) and the CPU time it has used (user + system, ms). */
export async function procStats(pid: number): Promise<{ rssKb: number; cpuMs: number }> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  // /proc/PID/stat after the command's closing parenthesis: field 3 (state) first; utime and stime are 14 and 15.
  const stat = (await readFile(`/proc/${pid}/stat`, "utf8")).split(") ")[1].split(" ");
  return { rssKb: Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]), cpuMs: ((Number(stat[11]) + Number(stat[12])) / TICKS_PER_S) * 1000 };
}

/** Node flags that preload bench/heap-probe.ts into a server: on SIGUSR2 it prints what a full collection left. */
export const HEAP_PROBE_ARGS = ["--expose-gc", "--import", pathToFileURL(path.join(import.meta.dirname, "heap-probe.ts")).href];

/** What a heap-probe line says (bytes, and the collection's pause in ms); undefined for any other line. */
export function heapProbeLine(line: string): { heap: number; external: number; pauseMs: number } | undefined {
  const found = /^heap-probe (\d+) (\d+) (\d+)$/.exec(line);
  return found ? { heap: Number(found[1]), external: Number(found[2]), pauseMs: Number(found[3]) } : undefined;
}

/** This process's open-file limit, soft and hard (children inherit it). */
export function fileLimit(): { soft: number; hard: number } {
  const line = /^Max open files\s+(\S+)\s+(\S+)/m.exec(readFileSync("/proc/self/limits", "utf8"));
  const n = (s?: string) => (s === "unlimited" ? Infinity : Number(s));
  return { soft: n(line?.[1]), hard: n(line?.[2]) };
}

/**
 * Raises this process's soft open-file limit to the hard one (allowed without privileges), so the
 * servers and client processes it starts inherit it: 10,000 connections need 10,000 descriptors in
 * the server. Returns the limit now in force.
 */
export function raiseFileLimit(): number {
  const { soft, hard } = fileLimit();
  if (soft >= hard) return soft;
  try {
    execFileSync("prlimit", ["--pid", String(process.pid), `--nofile=${hard}:${hard}`]);
  } catch {
    // prlimit missing: keep the soft limit; the caller says what it allows.
  }
  return fileLimit().soft;
}

const read = (file: string) => {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return undefined;
  }
};

/** The machine the figures come from, as each results file records it. */
export function machine() {
  return {
    cpu: cpus()[0]?.model,
    cores: availableParallelism(),
    memoryGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    kernel: release(),
    openFileLimit: fileLimit(),
    ephemeralPorts: read("/proc/sys/net/ipv4/ip_local_port_range")?.replace(/\s+/, "–"),
    somaxconn: Number(read("/proc/sys/net/core/somaxconn")),
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}
