// The simulator on the telegraph's side of a serial line: socat makes a pty pair, the server opens
// one end as its device, and on the other end the simulator does what the firmware does.
import { once } from "node:events";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { ReadStream } from "node:tty";
import type { Face } from "../lib/protocol";
import { LineReader, MAX_LINE_BYTES, formatLine, parseLine } from "../server/links/line-protocol";
import { SERIAL_TIMING } from "../server/links/serial-link";
import { type PtyPair, openEnd, openPtyPair } from "./pty";
import { AWKWARD_PAUSE_MS, type Side, say } from "./side";
import { labelOf } from "../lib/face";

export const SIM_NAME = "chadburn-sim";

export async function openSerialSide(options: {
  /** Where the server's end appears: the path to give the server as `--serial`. */
  device: string;
  face: Face;
  version: string;
  /** Random orders while plugged in. */
  random: boolean;
}): Promise<Side> {
  const { device, face, random } = options;
  const hello = formatLine({ kind: "hello", name: SIM_NAME, version: options.version });
  // The simulator's own end lives apart, out of the way of anything watching the device's folder.
  const own = await mkdtemp(path.join(tmpdir(), "chadburn-sim-"));
  let pair: PtyPair | undefined;
  let end: ReadStream | undefined;
  let muted = false;
  let lastHeard = 0;

  const write = (text: string) =>
    new Promise<void>((resolve, reject) => {
      if (!end) return reject(new Error("unplugged"));
      end.write(text, (error) => (error ? reject(error) : resolve()));
    });

  /** Sends one line; with `pauseMs`, in two pieces with a pause between. False if it could not. */
  async function send(line: string, pauseMs = 0): Promise<boolean> {
    const text = `${line}\n`;
    const cut = pauseMs ? Math.ceil(text.length / 2) : text.length;
    try {
      await write(text.slice(0, cut));
      if (cut < text.length) {
        await sleep(pauseMs);
        await write(text.slice(cut));
      }
      return true;
    } catch (error) {
      say(`sim: not sent ${JSON.stringify(line)}: ${(error as Error).message}`);
      return false;
    }
  }

  function heard(line: string): void {
    // A Teensy says HELLO when the host opens its port. Through a pty that cannot be seen, and the
    // server flushes whatever was sent before it opened: its first line after a silence stands for it.
    const now = Date.now();
    if (now - lastHeard > SERIAL_TIMING.silenceMs) void send(hello);
    lastHeard = now;
    const message = parseLine(line);
    switch (message.kind) {
      case "ping":
        if (!muted) void send(formatLine({ kind: "pong" }));
        return;
      case "answer":
        return say(`answer ${message.position} ${labelOf(face, message.position)}`);
      case "order":
        return say(`order from server ${message.position} ${labelOf(face, message.position)}`);
      case "empty":
        return;
      default:
        say(`sim: ignored ${JSON.stringify(line)} from the server`);
    }
  }

  async function plug(): Promise<void> {
    await mkdir(path.dirname(device), { recursive: true });
    const fresh = await openPtyPair(device, path.join(own, "telegraph"));
    let ours: ReadStream;
    try {
      ours = openEnd(fresh.b);
    } catch (error) {
      await fresh.stop();
      throw error;
    }
    [pair, end, lastHeard] = [fresh, ours, 0];
    const reader = new LineReader();
    ours.on("data", (chunk: Buffer) => reader.feed(chunk, heard, () => say(`sim: dropped a line over ${MAX_LINE_BYTES} bytes from the server`)));
    ours.on("error", (error) => say(`sim: serial: ${error.message}`));
    ours.on("close", () => {
      if (end !== ours) return; // unplugged on purpose
      say("sim: the line closed under us (socat gone?); plug brings it back");
      void unplug();
    });
    say(`sim: serial device ${device}`);
    await send(hello);
  }

  async function unplug(): Promise<void> {
    const [was, wasPair] = [end, pair];
    end = pair = undefined;
    if (was && !was.destroyed) {
      const closed = once(was, "close");
      was.destroy();
      await closed;
    }
    await wasPair?.stop();
  }

  await plug();
  return {
    async order({ position, label }, awkward) {
      if (await send(formatLine({ kind: "order", position }), awkward ? AWKWARD_PAUSE_MS : 0)) {
        say(`order ${position} ${label}${awkward ? " (in two pieces)" : ""}`);
      }
    },
    async command(word, text) {
      if (word === "unplug") {
        await unplug();
        say("sim: unplugged");
      } else if (word === "plug") {
        if (pair) say("sim: already plugged in");
        else await plug().catch((error: Error) => say(`sim: cannot plug in: ${error.message}`));
      } else if (word === "raw") {
        if (await send(text)) say(`sim: sent ${JSON.stringify(text)}`);
      } else if (word === "mute" || word === "unmute") {
        muted = word === "mute";
        say(`sim: ${muted ? "not answering" : "answering"} PING`);
      } else return false;
      return true;
    },
    live: () => random && !!end,
    async close() {
      await unplug();
      await rm(own, { recursive: true, force: true });
    },
  };
}
