// `npm run sim`: a simulated Teensy on the telegraph's side of the files. It writes orders into the
// status file the way a simple host does, and prints every answer that appears in the accept file.
import { readFileSync } from "node:fs";
import { mkdir, truncate, writeFile } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { Command, InvalidArgumentError } from "commander";
import { Face } from "../lib/protocol";
import { readPositionFile } from "../server/links/position-file";
import { watchFile } from "../server/links/watch-file";
import { DEFAULT_FACE, findPosition } from "../server/telegraph/face";

const HELP = `Commands on standard input, one a line:
  7 | coffee | "battle stations"   write that order now
  awkward 7                        truncate the file, pause, then write (a slow writer)
  unplug | plug                    stop and resume the random orders
  quit                             stop the simulator`;

const seconds = (value: string) => {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError("must be a number of seconds above 0");
  return n;
};

const options = new Command("npm run sim --")
  .description("Simulated telegraph: writes orders into the status file, prints answers from the accept file.")
  .option("--data-dir <folder>", "folder with status.eot and accept.eot", "data")
  .option("--status-file <file>", "the status file (default: <data-dir>/status.eot)")
  .option("--accept-file <file>", "the accept file (default: <data-dir>/accept.eot)")
  .option("--face <file>", "the face JSON, if the server uses another face")
  .option("--every <seconds>", "a random order this often (the prototype sketch: every 10 s)", seconds, 10)
  .option("--script <orders>", 'orders to play in turn, comma separated, e.g. "7,awkward 8,wait 2,9"; then exit')
  .option("--manual", "no random orders: only the script and standard input")
  .option("--awkward", "write every random order the slow way (truncate, pause, write)")
  .addHelpText("after", `\n${HELP}`)
  .parse(process.argv.slice(2), { from: "user" })
  .opts();

const face: Face = options.face ? Face.parse(JSON.parse(readFileSync(options.face, "utf8"))) : DEFAULT_FACE;
const statusFile = path.resolve(options.statusFile ?? path.join(options.dataDir, "status.eot"));
const acceptFile = path.resolve(options.acceptFile ?? path.join(options.dataDir, "accept.eot"));
/** How long an awkward writer leaves the file empty. */
const AWKWARD_PAUSE_MS = 200;

const say = (line: string) => process.stdout.write(`${line}\n`);

async function write(text: string, awkward = false): Promise<void> {
  const position = findPosition(face, text);
  if (!position) {
    say(`sim: no position ${JSON.stringify(text)} on this face`);
    return;
  }
  if (awkward) {
    await truncate(statusFile).catch(() => {});
    await sleep(AWKWARD_PAUSE_MS);
  }
  await writeFile(statusFile, `${position.position}\n`);
  say(`order ${position.position} ${position.label}${awkward ? " (awkward write)" : ""}`);
}

/** One command, from the script or standard input. Returns false to stop. */
async function command(line: string): Promise<boolean> {
  const [word, ...rest] = line.trim().split(/\s+/);
  const arg = rest.join(" ");
  if (!word) return true;
  if (word === "quit") return false;
  if (word === "help") say(HELP);
  else if (word === "awkward") await write(arg, true);
  else if (word === "wait") await sleep(seconds(arg) * 1000);
  else if (word === "unplug" || word === "plug") {
    plugged = word === "plug";
    say(`sim: ${plugged ? "plugged in" : "unplugged"}`);
  } else await write(line.trim());
  return true;
}

let plugged = !options.manual && !options.script;
await mkdir(path.dirname(statusFile), { recursive: true });
let lastAnswer: number | undefined;
const answers = watchFile(acceptFile, async () => {
  const read = await readPositionFile(acceptFile, face);
  if (read.kind !== "position" || read.position === lastAnswer) return;
  lastAnswer = read.position;
  say(`answer ${read.position} ${face.find((p) => p.position === read.position)?.label}`);
}, (error) => say(`sim: watching ${acceptFile}: ${error.message}`));
await answers.ready;
say(`sim: status file ${statusFile}, accept file ${acceptFile}`);

let lastRandom: number | undefined;
const random = setInterval(() => {
  if (!plugged) return;
  const choices = face.filter((p) => p.position !== lastRandom); // never the same twice in a row
  lastRandom = choices[Math.floor(Math.random() * choices.length)].position;
  void write(String(lastRandom), options.awkward);
}, options.every * 1000);

async function stop(): Promise<never> {
  clearInterval(random);
  await answers.close();
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
// Standard input closed: keep writing random orders until stopped, if there are any to write.
if (!plugged) await stop();
