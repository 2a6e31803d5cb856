// Two heap snapshots compared (bench/panel-memory.ts --snapshots writes them, with no panel and with
// N): what the second holds more of, by constructor (objects, closures, arrays, strings, code), and
// the closures and bound functions by where in the source they were made, the per-connection ones
// (N of them) being what a panel's listeners cost. Sizes are the objects' own (V8's self size).
//
// Usage: node --import tsx bench/heap-diff.ts <before.heapsnapshot> <after.heapsnapshot> [--per N] [--top 40]
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
  locations: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { per: { type: "string", default: "1" }, top: { type: "string", default: "40" } },
});
if (positionals.length !== 2) throw new Error("usage: heap-diff.ts <before.heapsnapshot> <after.heapsnapshot> [--per N] [--top 40]");
const per = Number(values.per);
const top = Number(values.top);

/** Count and self size by constructor, and closures by source location. */
function read(file: string) {
  const s = JSON.parse(readFileSync(file, "utf8")) as Snapshot;
  const {
    node_fields: nf,
    node_types: [types],
    edge_fields: ef,
    edge_types: [edgeTypes],
  } = s.snapshot.meta;
  const [N, E] = [nf.length, ef.length];
  const [type, name, size, edgeCount] = ["type", "name", "self_size", "edge_count"].map((f) => nf.indexOf(f));
  const firstEdge = new Uint32Array(s.nodes.length / N + 1);
  for (let n = 0, e = 0; n < s.nodes.length / N; n++, e += s.nodes[n * N - N + edgeCount] * E) firstEdge[n] = e;
  firstEdge[s.nodes.length / N] = s.edges.length;
  const nameOf = (n: number) => s.strings[s.nodes[n * N + name]];
  const typeOf = (n: number) => types[s.nodes[n * N + type]];
  /** The node an edge of this name leads to, or -1. */
  const follow = (n: number, edge: string) => {
    for (let e = firstEdge[n]; e < firstEdge[n + 1]; e += E) {
      const named = !["element", "hidden"].includes(edgeTypes[s.edges[e]]);
      if (named && s.strings[s.edges[e + 1]] === edge) return s.edges[e + 2] / N;
    }
    return -1;
  };
  const lines = new Map<number, number>();
  for (let i = 0; i < s.locations.length; i += 4) lines.set(s.locations[i] / N, s.locations[i + 2] + 1);
  const kinds = new Map<string, { count: number; size: number }>();
  const closures = new Map<string, number>();
  for (let n = 0; n < s.nodes.length / N; n++) {
    const t = typeOf(n);
    const k = ["string", "concatenated string", "sliced string", "number", "code", "object shape"].includes(t) ? `(${t})` : `${t} ${nameOf(n)}`;
    const kind = kinds.get(k) ?? { count: 0, size: 0 };
    kind.count++;
    kind.size += s.nodes[n * N + size];
    kinds.set(k, kind);
    if (t !== "closure") continue;
    const bound = nameOf(n) === "native_bind" ? follow(n, "bound_function") : -1;
    const fn = bound >= 0 ? bound : n;
    const shared = follow(fn, "shared");
    let script = shared >= 0 ? follow(shared, "script_or_debug_info") : -1;
    if (script >= 0 && !nameOf(script).includes("/")) script = follow(script, "script"); // through its debug info
    const where =
      script >= 0
        ? nameOf(script)
            .replace(/^.*node_modules\//, "")
            .replace(/^.*\/(server|lib|bench)\//, "$1/")
        : "?";
    const at = `${bound >= 0 ? "bound " : ""}${nameOf(fn) || "(anonymous)"} ${where}:${lines.get(fn) ?? "?"}`;
    closures.set(at, (closures.get(at) ?? 0) + 1);
  }
  return { kinds, closures };
}

const [a, b] = positionals.map(read);
const kb = (bytes: number) => (bytes / per / 1024).toFixed(3);
const grown = [...b.kinds].map(([k, v]) => {
  const was = a.kinds.get(k) ?? { count: 0, size: 0 };
  return { k, count: v.count - was.count, size: v.size - was.size };
});
const total = grown.reduce((sum, g) => sum + g.size, 0) - [...a.kinds].filter(([k]) => !b.kinds.has(k)).reduce((sum, [, v]) => sum + v.size, 0);
console.log(`self sizes, second − first${per > 1 ? `, per ${per}` : ""}: ${kb(total)} KB`);
console.log("       KB    count  constructor");
for (const g of grown.sort((x, y) => y.size - x.size).slice(0, top))
  console.log(`${kb(g.size).padStart(9)} ${(g.count / per).toFixed(2).padStart(8)}  ${g.k}`);
console.log("\nclosures and bound functions made, second − first, by where:");
const made = [...b.closures].map(([k, count]) => [k, count - (a.closures.get(k) ?? 0)] as const).filter(([, d]) => d >= per / 2);
for (const [k, d] of made.sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`${(d / per).toFixed(2).padStart(6)}  ${k}`);
