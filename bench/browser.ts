// The browser figure: the time from a status-file write to the panel's dial starting to move in
// Chromium, so that what happens in the page (socket.io's parse, React's render, the CSS
// transition's start) is counted too. One panel on Chadburn's production build; `writes` writes,
// 1.5 s apart (the needle's swing takes 1.2 s), after two that are not counted.
// Usage: node --import tsx bench/browser.ts [--writes 20]   (npm run bench runs it at the end)
//
// In the page, on the order indicator (components/Dial.tsx: its data-position changes and its
// style's transform, which a CSS transition animates):
//   dom:        a MutationObserver sees data-position change (React has committed);
//   transition: the `transitionrun` event for its transform (the swing has begun; Chromium fires
//               it in the frame that starts it): the headline figure, "the dial starting to move";
//   frame:      the first animation frame whose computed transform has left the old angle.
// Clocks: the page stamps with performance.timeOrigin + performance.now(), this process with its
// own; their offset is measured (the page.evaluate round trip with the shortest time out of 30,
// about 1 ms, so within ±0.5 ms) and taken off. The write is made from this process (open with
// truncate, write, close), timed just before open().
import { closeSync, openSync, writeSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { type Page, chromium } from "@playwright/test";
import { isEntry } from "../server/entry";
import { DEFAULT_FACE } from "../lib/face";
import { cleanUp, onCleanUp, startServer } from "./server";

export interface BrowserFigure {
  writes: number;
  /** Write → transition started (the headline): median and worst. */
  medianMs: number;
  worstMs: number;
  stages: Record<"dom" | "transition" | "frame", { median: number; worst: number; each: number[] }>;
  /** Writes for which some stage was never seen within the gap. */
  unseen: number;
  clockOffsetUncertaintyMs: number;
}

const GAP_MS = 1500;
const WARM_UP = 2;

/** Wall-clock-based milliseconds with sub-ms precision, in this process: compared with the page's own. */
const stamp = () => performance.timeOrigin + performance.now();

type DialEvent = { kind: "dom" | "transition" | "frame"; position: number; t: number };

/**
 * Installed in the page before its scripts run: records when the indicator changes, starts, moves.
 * Plain JavaScript in a string: a function would be serialized as tsx compiled it, with helpers
 * (__name) the page does not have.
 */
const INSTRUMENT = `(() => {
  const dial = (window.__dial = []);
  const now = () => performance.timeOrigin + performance.now();
  const isIndicator = (el) => !!el && typeof el.getAttribute === "function" && el.getAttribute("data-testid") === "order-indicator";
  new MutationObserver((records) => {
    const t = now();
    for (const r of records) {
      if (!isIndicator(r.target)) continue;
      const el = r.target;
      const position = Number(el.getAttribute("data-position"));
      dial.push({ kind: "dom", position, t });
      // The next frame's callback (it runs before that frame's style update) fixes where the
      // needle starts; the first later frame whose computed transform differs is drawn on the way.
      requestAnimationFrame(() => {
        const start = getComputedStyle(el).transform;
        let frames = 0;
        const look = () => {
          if (getComputedStyle(el).transform !== start) dial.push({ kind: "frame", position, t: now() });
          else if (++frames < 120) requestAnimationFrame(look);
        };
        requestAnimationFrame(look);
      });
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-position"] });
  document.addEventListener("transitionrun", (e) => {
    if (!isIndicator(e.target) || e.propertyName !== "transform") return;
    dial.push({ kind: "transition", position: Number(e.target.getAttribute("data-position")), t: now() });
  }, true);
})();`;

/** The page's clock minus ours, from the round trip with the shortest time. */
async function clockOffset(page: Page): Promise<{ offset: number; rtt: number }> {
  let best = { offset: 0, rtt: Infinity };
  for (let i = 0; i < 30; i++) {
    const before = stamp();
    const theirs = (await page.evaluate("performance.timeOrigin + performance.now()")) as number;
    const after = stamp();
    if (after - before < best.rtt) best = { offset: theirs - (before + after) / 2, rtt: after - before };
  }
  return best;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};
const round = (x: number) => Math.round(x * 10) / 10;

export async function browserFigure({ writes = 20 } = {}): Promise<BrowserFigure> {
  const server = await startServer({ name: "bench-browser" });
  const browser = await chromium.launch({
    headless: true,
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-gpu", "--no-first-run"],
  });
  onCleanUp(() => browser.close());
  try {
    const page = await browser.newPage();
    await page.addInitScript({ content: INSTRUMENT });
    await page.goto(server.url);
    await page.getByTestId("order-indicator").waitFor({ state: "attached", timeout: 30_000 });
    await sleep(1000); // hello, presence, fonts: the page at rest

    const positions = DEFAULT_FACE.map((p) => p.position);
    const written: { position: number; at: number }[] = [];
    for (let w = 0; w < WARM_UP + writes; w++) {
      const position = positions[w % positions.length];
      const at = stamp();
      const fd = openSync(server.statusFile, "w");
      writeSync(fd, `${position}\n`);
      closeSync(fd);
      if (w >= WARM_UP) written.push({ position, at });
      await sleep(GAP_MS);
    }
    const { offset, rtt } = await clockOffset(page);
    const events = ((await page.evaluate("window.__dial")) as DialEvent[]).map((e) => ({ ...e, t: e.t - offset }));

    const stages = { dom: [] as number[], transition: [] as number[], frame: [] as number[] };
    let unseen = 0;
    for (const { position, at } of written) {
      for (const kind of ["dom", "transition", "frame"] as const) {
        const e = events.find((x) => x.kind === kind && x.position === position && x.t >= at - rtt && x.t < at + GAP_MS);
        if (e) stages[kind].push(round(e.t - at));
        else unseen++;
      }
    }
    const summary = (xs: number[]) => ({ median: round(median(xs)), worst: round(Math.max(...xs)), each: xs });
    return {
      writes,
      medianMs: round(median(stages.transition)),
      worstMs: round(Math.max(...stages.transition)),
      stages: { dom: summary(stages.dom), transition: summary(stages.transition), frame: summary(stages.frame) },
      unseen,
      clockOffsetUncertaintyMs: round(rtt / 2),
    };
  } finally {
    await browser.close();
    await server.stop();
  }
}

if (isEntry(import.meta)) {
  const { values } = parseArgs({ options: { writes: { type: "string", default: "20" } } });
  const figure = await browserFigure({ writes: Number(values.writes) });
  console.log(JSON.stringify(figure, null, 2));
  await cleanUp();
  process.exit(0);
}
