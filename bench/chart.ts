// The latency-vs-clients chart for docs/performance.md, drawn by hand as SVG: clients on a log
// scale, write → receipt in ms; Chadburn and the floors, p99 solid and median dashed.

export interface Line {
  name: string;
  colour: string;
  /** [clients, ms] */
  p99: [number, number][];
  p50: [number, number][];
}

const W = 680;
const H = 380;
const PAD = { left: 64, right: 200, top: 36, bottom: 52 };

/** Each line's name in the legend, one below the other. */
const LEGEND_STEP = 20;

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");

/** A round step for about `count` ticks up to `max`. */
function step(max: number, count = 5): number {
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
}

export function latencyChart(lines: Line[], title: string, note: string): string {
  const points = lines.flatMap((l) => [...l.p99, ...l.p50]);
  const ns = [...new Set(points.map(([n]) => n))].sort((a, b) => a - b);
  const [nMin, nMax] = [ns[0] ?? 1, ns.at(-1) ?? 10];
  const yStep = step(Math.max(1, ...points.map(([, ms]) => ms)));
  const yMax = yStep * Math.ceil(Math.max(1, ...points.map(([, ms]) => ms)) / yStep);
  const lo = Math.log10(nMin) - 0.15;
  const hi = Math.log10(nMax) + 0.15;
  const x = (n: number) => PAD.left + ((Math.log10(n) - lo) / (hi - lo)) * (W - PAD.left - PAD.right);
  const y = (ms: number) => H - PAD.bottom - (ms / yMax) * (H - PAD.top - PAD.bottom);
  const f = (v: number) => v.toFixed(1);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${PAD.left}" y="20" font-size="14" font-weight="bold">${esc(title)}</text>`,
  ];
  // Axes, grid and ticks.
  for (let ms = 0; ms <= yMax + 1e-9; ms += yStep) {
    out.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${f(y(ms))}" y2="${f(y(ms))}" stroke="#e4e4e4"/>`);
    out.push(`<text x="${PAD.left - 6}" y="${f(y(ms) + 4)}" text-anchor="end">${+ms.toFixed(2)}</text>`);
  }
  for (const n of ns) {
    out.push(`<line x1="${f(x(n))}" x2="${f(x(n))}" y1="${PAD.top}" y2="${H - PAD.bottom}" stroke="#e4e4e4"/>`);
    out.push(`<text x="${f(x(n))}" y="${H - PAD.bottom + 16}" text-anchor="middle">${n.toLocaleString("en")}</text>`);
  }
  out.push(`<line x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${H - PAD.bottom}" stroke="#333"/>`);
  out.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${H - PAD.bottom}" y2="${H - PAD.bottom}" stroke="#333"/>`);
  out.push(`<text x="${(PAD.left + W - PAD.right) / 2}" y="${H - 14}" text-anchor="middle">clients (log scale)</text>`);
  out.push(`<text transform="translate(16 ${(PAD.top + H - PAD.bottom) / 2}) rotate(-90)" text-anchor="middle">write → receipt, ms</text>`);
  // The lines, a legend on the right.
  lines.forEach((line, i) => {
    for (const [which, dash] of [
      ["p99", ""],
      ["p50", ' stroke-dasharray="5 4"'],
    ] as const) {
      const pts = line[which];
      if (!pts.length) continue;
      out.push(
        `<polyline fill="none" stroke="${line.colour}" stroke-width="2"${dash} points="${pts.map(([n, ms]) => `${f(x(n))},${f(y(ms))}`).join(" ")}"/>`,
      );
      for (const [n, ms] of pts)
        out.push(
          `<circle cx="${f(x(n))}" cy="${f(y(ms))}" r="3" fill="${line.colour}"><title>${esc(line.name)} ` +
            `${which} at ${n}: ${ms.toFixed(1)} ms</title></circle>`,
        );
    }
    const ly = PAD.top + 10 + i * LEGEND_STEP;
    const lx = W - PAD.right + 14;
    out.push(`<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="${line.colour}" stroke-width="3"/>`);
    out.push(`<text x="${lx + 30}" y="${ly + 4}">${esc(line.name)}</text>`);
  });
  // One key for the two strokes, under the lines' names.
  const ky = PAD.top + 10 + lines.length * LEGEND_STEP + 6;
  const kx = W - PAD.right + 14;
  out.push(`<line x1="${kx}" x2="${kx + 24}" y1="${ky}" y2="${ky}" stroke="#333" stroke-width="2"/>`);
  out.push(`<text x="${kx + 30}" y="${ky + 4}">p99</text>`);
  out.push(`<line x1="${kx}" x2="${kx + 24}" y1="${ky + 18}" y2="${ky + 18}" stroke="#333" stroke-width="2" stroke-dasharray="5 4"/>`);
  out.push(`<text x="${kx + 30}" y="${ky + 22}">median</text>`);
  const noteLines = note.split("\n");
  noteLines.forEach((text, i) => out.push(`<text x="${W - PAD.right + 14}" y="${ky + 48 + i * 15}" font-size="10" fill="#555">${esc(text)}</text>`));
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
