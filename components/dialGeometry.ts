// Where things sit on the telegraph's face. Angles are degrees clockwise from straight up,
// about the dial centre at (0, 0); the SVG's viewBox is centred on it.

/** From the leftmost position to the rightmost: a little more than a half circle, like the real face. */
export const SWEEP = 208.4;

/** Sector band: the labels live between these radii; the order indicator frames it. */
export const SECTOR_INNER = 102;
export const SECTOR_OUTER = 178;

const round = (n: number) => Math.round(n * 100) / 100;

export function angleOf(index: number, count: number): number {
  return round(-SWEEP / 2 + (index * SWEEP) / (count - 1));
}

/** Degrees one sector spans. */
export function spanOf(count: number): number {
  return SWEEP / (count - 1);
}

export function polar(radius: number, degrees: number): string {
  const a = (degrees * Math.PI) / 180;
  return `${round(radius * Math.sin(a))} ${round(-radius * Math.cos(a))}`;
}

/**
 * An arc from one angle to another: clockwise when `to` is larger, so text on it stands
 * upright at the top of the dial; anticlockwise for text upright along the bottom.
 */
export function arc(radius: number, from: number, to: number): string {
  const large = Math.abs(to - from) > 180 ? 1 : 0;
  const clockwise = to > from ? 1 : 0;
  return `M ${polar(radius, from)} A ${radius} ${radius} 0 ${large} ${clockwise} ${polar(radius, to)}`;
}

/** A ring segment between two radii and two angles. */
export function wedge(inner: number, outer: number, from: number, to: number): string {
  const large = to - from > 180 ? 1 : 0;
  return (
    `M ${polar(outer, from)} A ${outer} ${outer} 0 ${large} 1 ${polar(outer, to)} ` +
    `L ${polar(inner, to)} A ${inner} ${inner} 0 ${large} 0 ${polar(inner, from)} Z`
  );
}

export interface LabelLine {
  text: string;
  radius: number;
  /** Set when the line is squeezed into its sector (like the condensed lettering on real dials). */
  length?: number;
}

const MAX_FONT = 15;
/** Average advance of a bold capital, in em: an estimate, since SVG text cannot be measured before render. */
const CHAR_EM = 0.7;
/** Glyphs may be condensed to this fraction before the font is made smaller instead. */
const MIN_SQUEEZE = 0.72;
const PAD = 10;
const ONE_LINE = 154;
const TWO_LINES = [162, 142];

/**
 * Lays a label out along the arc of its sector: one line, or two split at a space
 * ("BATTLE" / "STATIONS"), whichever allows the larger lettering.
 */
export function layoutLabel(label: string, span: number): { size: number; lines: LabelLine[] } {
  const room = (radius: number) => (radius * span * Math.PI) / 180 - PAD;
  const words = label.split(/\s+/);
  const layouts: { text: string; radius: number }[][] = [[{ text: label, radius: ONE_LINE }]];
  for (let k = 1; k < words.length; k++) {
    const parts = [words.slice(0, k).join(" "), words.slice(k).join(" ")];
    layouts.push(parts.map((text, i) => ({ text, radius: TWO_LINES[i] })));
  }
  const sizeFor = (lines: { text: string; radius: number }[]) =>
    Math.min(MAX_FONT, ...lines.map((l) => room(l.radius) / (l.text.length * CHAR_EM * MIN_SQUEEZE)));
  const best = layouts.reduce((a, b) => (sizeFor(b) > sizeFor(a) ? b : a));
  const size = round(sizeFor(best));
  const lines = best.map((l) => {
    const natural = l.text.length * CHAR_EM * size;
    return natural > room(l.radius) ? { ...l, length: round(room(l.radius)) } : l;
  });
  return { size, lines };
}
