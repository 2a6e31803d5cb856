// The simulator on the telegraph's side of the files: it writes orders into the status file the way
// a simple host does (open, truncate, write, close) and prints every answer in the accept file.
import { mkdir, truncate, writeFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Face } from "../lib/protocol";
import { readPositionFile } from "../server/links/position-file";
import { watchFile } from "../server/links/watch-file";
import { AWKWARD_PAUSE_MS, type Side, say } from "./side";

export async function openFileSide(options: {
  statusFile: string;
  acceptFile: string;
  face: Face;
  /** Random orders from the start; `unplug` and `plug` stop and resume them. */
  random: boolean;
}): Promise<Side> {
  const { statusFile, acceptFile, face } = options;
  await mkdir(path.dirname(statusFile), { recursive: true });
  let lastAnswer: number | undefined;
  const answers = watchFile(
    acceptFile,
    () => {
      const read = readPositionFile(acceptFile, face);
      if (read.kind !== "position" || read.position.position === lastAnswer) return;
      lastAnswer = read.position.position;
      say(`answer ${lastAnswer} ${read.position.label}`);
    },
    (error) => say(`sim: watching ${acceptFile}: ${error.message}`),
  );
  await answers.ready;
  say(`sim: status file ${statusFile}, accept file ${acceptFile}`);

  let plugged = options.random;
  return {
    async order({ position, label }, awkward) {
      if (awkward) {
        await truncate(statusFile).catch(() => {});
        await sleep(AWKWARD_PAUSE_MS);
      }
      await writeFile(statusFile, `${position}\n`);
      say(`order ${position} ${label}${awkward ? " (awkward write)" : ""}`);
    },
    async command(word) {
      if (word !== "unplug" && word !== "plug") return false;
      plugged = word === "plug";
      say(`sim: ${plugged ? "plugged in" : "unplugged"}`);
      return true;
    },
    live: () => plugged,
    close: () => answers.close(),
  };
}
