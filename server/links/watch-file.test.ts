// The watch on a real folder, in the moments where it is being armed: what changes then must not
// leave it following the wrong file (the writer fuzz found one such moment).
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { setImmediate as turn } from "node:timers/promises";
import { afterEach, expect, it } from "vitest";
import { type FileWatch, watchFile } from "./watch-file";

let dir = "";
let watch: FileWatch | undefined;
afterEach(async () => {
  await watch?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Points `link` at `target` at once, as `ln -sfn` does (a link made beside it, renamed over it). */
function pointAt(link: string, target: string): void {
  symlinkSync(target, `${link}.new`);
  renameSync(`${link}.new`, link);
}

it("a link pointed elsewhere while the watch is being armed: the file it leads to now is the one watched", async () => {
  dir = await mkdtemp(path.join(tmpdir(), "chadburn-watch-"));
  const folder = path.join(dir, "status");
  const elsewhere = path.join(dir, "run");
  mkdirSync(folder);
  mkdirSync(elsewhere);
  const file = path.join(folder, "status.eot");
  writeFileSync(file, "1\n");
  let told: (() => void) | undefined;
  /** Resolves at the watch's next call, or fails after a second: a write it never tells is a lost order. */
  const toldWithin = (what: string) =>
    new Promise<void>((resolve, reject) => {
      const late = setTimeout(() => reject(new Error(what)), 1000);
      told = () => (clearTimeout(late), resolve());
    });
  watch = watchFile(
    file,
    () => told?.(),
    (error) => expect.unreachable(error.message),
  );
  await watch.ready;

  // Arming follows the links one read at a time; the link is pointed elsewhere after 0, 1, 2 … turns
  // of the loop, each time with the loop then held 5 ms (as a broadcast holds it), so that one of
  // them falls between a read of the link and the watches being made.
  for (let turns = 0; turns < 12; turns++) {
    const first = path.join(elsewhere, `first-${turns}.eot`);
    const then = path.join(elsewhere, `then-${turns}.eot`);
    writeFileSync(first, "2\n");
    writeFileSync(then, "3\n");
    const armed = toldWithin(`after ${turns} turns: the arm did not look at the file`);
    pointAt(file, first); // the watch arms anew for it
    for (let i = 0; i < turns; i++) await turn();
    for (const until = performance.now() + 5; performance.now() < until;);
    pointAt(file, then);
    await armed;
    const seen = toldWithin(`pointed elsewhere after ${turns} turns: a write to the file the link leads to now was not told`);
    writeFileSync(then, "8\n");
    await seen;
  }
});
