// `npm run sim` and `chadburn sim`: a simulated Teensy on the telegraph's side, of the files
// (sim/file.ts) or, with --serial, of a serial line (sim/serial.ts). It gives orders and prints every answer it gets.
import { readFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { Command, InvalidArgumentError } from "commander";
import { Face } from "../lib/protocol";
import { isEntry } from "../server/entry";
import { DEFAULT_FACE, findPosition } from "../lib/face";
import { openFileSide } from "./file";
import { openSerialSide } from "./serial";
import { say } from "./side";

const HELP = `Commands on standard input, one a line:
  7 | coffee | "battle stations"   give that order now
  awkward 7                        the slow way: truncate the file, pause, then write
                                   (--serial: the line in two pieces with a pause)
  unplug | plug                    stop and resume the random orders
                                   (--serial: remove the device and bring it back)
  raw <text>                       --serial: send this line as it is (garbage, for tests)
  mute | unmute                    --serial: stop and resume answering PING
  quit                             stop the simulator`;

const seconds = (value: string) => {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError("must be a number of seconds above 0");
  return n;
};

/** Runs the simulator with these flags (`npm run sim`, `chadburn sim`) until it is told to stop. */
export async function simulate(argv: string[], name = "npm run sim --"): Promise<void> {
  const options = new Command(name)
    .description("Simulated telegraph: gives orders through the status file (or a serial line) and prints the answers.")
    .option("--data-dir <folder>", "folder with status.eot and accept.eot", "data")
    .option("--status-file <file>", "the status file (default: <data-dir>/status.eot)")
    .option("--accept-file <file>", "the accept file (default: <data-dir>/accept.eot)")
    .option("--face <file>", "the face JSON, if the server uses another face")
    .option("--serial", "be the telegraph on a serial line (a socat pty pair) instead of the files")
    .option("--pty <path>", "with --serial: where the server's end appears (default: <data-dir>/telegraph.pty)")
    .option("--every <seconds>", "a random order this often (the prototype sketch: every 10 s)", seconds, 10)
    .option("--script <orders>", 'orders to play in turn, comma separated, e.g. "7,awkward 8,wait 2,9"; then exit')
    .option("--manual", "no random orders: only the script and standard input")
    .option("--awkward", "give every random order the slow way (see awkward below)")
    .addHelpText("after", `\n${HELP}`)
    .parse(argv, { from: "user" })
    .opts();

  const face: Face = options.face ? Face.parse(JSON.parse(readFileSync(options.face, "utf8"))) : DEFAULT_FACE;
  const random = !options.manual && !options.script;
  const side = options.serial
    ? await openSerialSide({
        device: path.resolve(options.pty ?? path.join(options.dataDir, "telegraph.pty")),
        face,
        version: JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version,
        random,
      })
    : await openFileSide({
        statusFile: path.resolve(options.statusFile ?? path.join(options.dataDir, "status.eot")),
        acceptFile: path.resolve(options.acceptFile ?? path.join(options.dataDir, "accept.eot")),
        face,
        random,
      });

  async function order(text: string, awkward = false): Promise<void> {
    const position = findPosition(face, text);
    if (position) await side.order(position, awkward);
    else say(`sim: no position ${JSON.stringify(text)} on this face`);
  }

  /** One command, from the script or standard input. Returns false to stop. */
  async function command(line: string): Promise<boolean> {
    const [word, ...rest] = line.trim().split(/\s+/);
    if (!word) return true;
    if (word === "quit") return false;
    if (word === "help") say(HELP);
    else if (word === "awkward") await order(rest.join(" "), true);
    else if (word === "wait") await sleep(seconds(rest.join(" ")) * 1000);
    else if (!(await side.command(word, line.trim().slice(word.length).trimStart()))) await order(line.trim());
    return true;
  }

  let lastRandom: number | undefined;
  const timer = setInterval(() => {
    if (!side.live()) return;
    const choices = face.filter((p) => p.position !== lastRandom); // never the same twice in a row
    const next = choices[Math.floor(Math.random() * choices.length)];
    lastRandom = next.position;
    void side.order(next, !!options.awkward);
  }, options.every * 1000);

  async function stop(): Promise<never> {
    clearInterval(timer);
    await side.close();
    process.exit(0);
  }
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);

  if (options.script) {
    for (const step of String(options.script).split(",")) await command(step);
    await stop();
  }
  const input = createInterface({ input: process.stdin });
  for await (const line of input) if (!(await command(line))) break;
  // Standard input closed: keep giving random orders until stopped, if there are any to give.
  if (!side.live()) await stop();
}

if (isEntry(import.meta)) await simulate(process.argv.slice(2));
