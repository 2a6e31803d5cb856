// Bar charts drawn on the server as SVG, for the statistics page: a few rects and words, no script
// and no chart library. Each is an image with a title and a description; the numbers are in the
// table beside it, for screen readers and for anyone who wants them exact.
import type { ReactNode } from "react";
import styles from "./History.module.css";

/** The drawing's width in its own units; it scales to its box (a phone's 360 px is about 1:1). */
const WIDTH = 320;
const LINE = 13;
const BAR = 8;

interface Described {
  /** Unique on the page: the title's and description's ids derive from it. */
  id: string;
  title: string;
  desc: string;
}

/** One row: its words (a line each) over its bars, each a value on the chart's one scale. */
export interface BarRow {
  key: string;
  lines: string[];
  bars: { value: number; className: string }[];
}

function Figure({ id, title, desc, height, children }: Described & { height: number; children: ReactNode }) {
  return (
    <svg className={styles.chart} viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-labelledby={`${id}-title ${id}-desc`} data-testid={id}>
      <title id={`${id}-title`}>{title}</title>
      <desc id={`${id}-desc`}>{desc}</desc>
      {children}
    </svg>
  );
}

/** A length in the drawing, to a tenth of its unit: enough for the eye, and short markup. */
const tenth = (n: number) => Math.round(n * 10) / 10;

/** Horizontal bars, a row under the other: reads down a phone's screen. */
export function Bars({ rows, ...described }: Described & { rows: BarRow[] }) {
  const max = Math.max(0, ...rows.flatMap((row) => row.bars.map((bar) => bar.value)));
  const heights = rows.map((row) => row.lines.length * LINE + row.bars.length * (BAR + 2) + 8);
  const tops = heights.map((_, i) => heights.slice(0, i).reduce((a, b) => a + b, 0));
  return (
    <Figure {...described} height={heights.reduce((a, b) => a + b, 0)}>
      {rows.map((row, i) => (
        <g key={row.key} transform={`translate(0 ${tops[i]})`}>
          {row.lines.map((line, j) => (
            <text key={j} x={0} y={(j + 1) * LINE - 3} className={j === 0 ? styles.label : styles.note}>
              {line}
            </text>
          ))}
          {row.bars.map((bar, j) => (
            <rect
              key={j}
              x={0}
              y={row.lines.length * LINE + j * (BAR + 2)}
              width={max ? tenth((bar.value / max) * WIDTH) : 0}
              height={BAR}
              className={bar.className}
            />
          ))}
        </g>
      ))}
    </Figure>
  );
}

/** Columns side by side over labels (the hours of a day), each a value on one scale; the largest is named. */
export function Columns({
  values,
  labels,
  className,
  unit,
  ...described
}: Described & { values: number[]; labels: string[]; className: string; unit: string }) {
  const top = LINE + 4;
  const height = 96;
  const max = Math.max(0, ...values);
  const width = WIDTH / values.length;
  return (
    <Figure {...described} height={top + height + LINE + 2}>
      <text x={0} y={LINE - 3} className={styles.note}>
        {`most: ${max} ${unit}`}
      </text>
      <line x1={0} x2={WIDTH} y1={top + height + 0.5} y2={top + height + 0.5} className={styles.axis} />
      {values.map((value, i) => {
        const h = max ? tenth((value / max) * height) : 0;
        return <rect key={i} x={tenth(i * width + 1)} y={tenth(top + height - h)} width={tenth(width - 2)} height={h} className={className} />;
      })}
      {labels.map((label, i) =>
        label ? (
          <text key={i} x={tenth(i * width + width / 2)} y={top + height + LINE} textAnchor="middle" className={styles.note}>
            {label}
          </text>
        ) : null,
      )}
    </Figure>
  );
}
