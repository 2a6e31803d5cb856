// Draws the panel's icons (the telegraph's dial of app/icon.svg) as PNGs for the web app manifest,
// the notifications and iOS's home screen, with nothing but node:zlib: run it again after changing
// the drawing, and keep the PNGs it writes.
//
//   node scripts/icons.mjs
//
// public/icons/icon-192.png, icon-512.png: the dial on a transparent background ("any");
// public/icons/maskable-192.png, maskable-512.png: on the panel's sea blue to the edges, the dial
//   inside the middle 80% that Android's masks (circle, squircle) always keep ("maskable");
// public/icons/badge-96.png: the dial in white on transparent, for Android's status bar;
// app/apple-icon.png (180): opaque, as iOS wants; Next links it from every page.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { crc32, deflateSync } from "node:zlib";

const root = path.resolve(import.meta.dirname, "..");

const hex = (h) => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16), 255];
const SEA = hex("#0b1722");
const RIM = hex("#b8892f");
const FACE = hex("#f6eedb");
const INK = hex("#3d3322");
const NEEDLE = hex("#a3221b");
const HUB = hex("#8f6b22");

/** Distance from p to the segment a–b. */
function toSegment(px, py, ax, ay, bx, by) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

// The wedge's arc, over the top from one end to the other (angles with y downwards).
const ARC_FROM = Math.atan2(26.2 - 32, 8.5 - 32);
const ARC_TO = Math.atan2(26.2 - 32, 55.5 - 32);

/** app/icon.svg's shapes, back to front, in its 64×64 units: the color at (x, y), or null. */
function dial(x, y) {
  const r = Math.hypot(x - 32, y - 32);
  let color = null;
  if (r <= 30) color = RIM;
  if (r <= 25) color = FACE;
  const angle = Math.atan2(y - 32, x - 32);
  const onArc = Math.abs(r - 24) <= 1 && angle >= ARC_FROM && angle <= ARC_TO;
  if (onArc || toSegment(x, y, 32, 32, 8.5, 26.2) <= 1 || toSegment(x, y, 32, 32, 55.5, 26.2) <= 1) color = INK;
  if (toSegment(x, y, 32, 32, 32, 10) <= 2) color = NEEDLE;
  if (r <= 5) color = HUB;
  return color;
}

/**
 * Renders `size`×`size` RGBA: the dial scaled to `scale` of the icon, over `background` (or
 * transparent), each pixel averaged over 4×4 samples for smooth edges; `tint` paints every drawn
 * sample but the face in one color (a badge's silhouette).
 */
function render(size, { scale = 1, background = null, tint = null } = {}) {
  const SAMPLES = 4;
  const pixels = Buffer.alloc(size * size * 4);
  const unit = 64 / scale / size; // dial units per pixel
  const offset = 32 - 32 / scale;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0,
        g = 0,
        b = 0,
        a = 0;
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          const drawn = dial(offset + (px + (sx + 0.5) / SAMPLES) * unit, offset + (py + (sy + 0.5) / SAMPLES) * unit);
          // A badge is a silhouette: the rim, the lines and the needle, the face left empty.
          const c = drawn && !(tint && drawn === FACE) ? (tint ?? drawn) : background;
          if (!c) continue;
          // Premultiplied, so transparent samples do not darken the edges.
          r += c[0] * c[3];
          g += c[1] * c[3];
          b += c[2] * c[3];
          a += c[3];
        }
      }
      const i = (py * size + px) * 4;
      if (a) {
        pixels[i] = Math.round(r / a);
        pixels[i + 1] = Math.round(g / a);
        pixels[i + 2] = Math.round(b / a);
      }
      pixels[i + 3] = Math.round(a / (SAMPLES * SAMPLES));
    }
  }
  return pixels;
}

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "ascii");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** An RGBA PNG (8 bits a channel, no filtering: icons compress well enough). */
function png(size, pixels) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) pixels.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(rows, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

const WHITE = [255, 255, 255, 255];
const icons = [
  ["public/icons/icon-192.png", 192, {}],
  ["public/icons/icon-512.png", 512, {}],
  // The safe zone is a circle of 80% of the icon: the dial (60 of 64 units wide) fits in 0.75.
  ["public/icons/maskable-192.png", 192, { scale: 0.75, background: SEA }],
  ["public/icons/maskable-512.png", 512, { scale: 0.75, background: SEA }],
  ["public/icons/badge-96.png", 96, { tint: WHITE }],
  ["app/apple-icon.png", 180, { scale: 0.85, background: SEA }],
];
for (const [file, size, options] of icons) {
  writeFileSync(path.join(root, file), png(size, render(size, options)));
  console.log(`${file} ${size}×${size}`);
}
