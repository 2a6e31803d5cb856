// The telegraph over USB serial (firmware/PROTOCOL.md). Unplugging is normal: a heartbeat
// notices a silent device within seconds, and the link reopens by itself with growing delays.
import { SerialPortStream } from "@serialport/stream";
import { SerialPort } from "serialport";
import { findPosition, unknownPosition } from "../../lib/face";
import type { Face, LinkHealth } from "../../lib/protocol";
import type { Logger } from "../log";
import type { TelegraphSaid } from "../telegraph/telegraph";
import { LineReader, formatLine, parseLine } from "./line-protocol";
import type { LinkEvents, TelegraphLink } from "./link";

/** PJRC, maker of the Teensy: `--serial auto` takes the first USB serial device of theirs. */
export const PJRC_VENDOR_ID = "16c0";

type Binding = ConstructorParameters<typeof SerialPortStream>[0]["binding"];

export interface SerialTiming {
  /** How often the telegraph is pinged. */
  pingMs: number;
  /** Silence after which the telegraph counts as gone (it answers every PING). */
  silenceMs: number;
  /** First delay before reopening; it grows ×1.5 up to maxRetryMs and resets on success. */
  retryMs: number;
  maxRetryMs: number;
}

/** How long after `silenceMs` the line is given for what it may have sent meanwhile (heard()). */
const SILENCE_GRACE_MS = 250;
export const SERIAL_TIMING: SerialTiming = { pingMs: 1500, silenceMs: 4000, retryMs: 250, maxRetryMs: 5000 };

export function openSerialLink(
  options: LinkEvents & {
    /** A device path, or "auto". */
    device: string;
    baud: number;
    face: Face;
    log: Logger;
    /** What the telegraph says of itself: connected or not, its name and firmware. */
    onTelegraph: (said: TelegraphSaid) => void;
    /** The answer at start; later ones are told (tellAnswer). Sent again on every (re)connect so the reply indicator is right. */
    answer?: number;
    /** How ports are listed and opened: the operating system's, or a mock in unit tests. */
    binding?: Binding;
    timing?: SerialTiming;
  },
): TelegraphLink {
  const { device, baud, face, log, onOrder, onTelegraph, onHealth, binding = SerialPort.binding, timing = SERIAL_TIMING } = options;
  let answer = options.answer;
  let port: SerialPortStream | undefined;
  /** The telegraph has spoken on this port: only then is it connected (an open but silent device is not). */
  let speaking = false;
  let path: string | undefined;
  let closed = false;
  let problem = "not opened yet";
  let delay = timing.retryMs;
  let retry: NodeJS.Timeout | undefined;
  let silence: NodeJS.Timeout | undefined;
  let ping: NodeJS.Timeout | undefined;

  async function find(): Promise<string | undefined> {
    if (device !== "auto") return device;
    const ports = await binding.list();
    return ports.find((p: { vendorId?: string }) => p.vendorId?.toLowerCase() === PJRC_VENDOR_ID)?.path;
  }

  async function connect(): Promise<void> {
    retry = undefined;
    if (closed) return;
    path = await find().catch(() => undefined);
    if (!path) return retryLater(`no USB serial device with PJRC's vendor id ${PJRC_VENDOR_ID}`);
    const opened = new SerialPortStream({ binding, path, baudRate: baud, autoOpen: false });
    try {
      await new Promise<void>((resolve, reject) => opened.open((error) => (error ? reject(error) : resolve())));
    } catch (error) {
      return retryLater((error as Error).message);
    }
    if (closed) return void opened.close();
    port = opened;
    speaking = false;
    problem = "open, but the telegraph has not spoken yet";
    onHealth(health());
    const reader = new LineReader();
    opened.on("data", (chunk: Buffer) => {
      heard();
      if (!speaking) {
        speaking = true;
        delay = timing.retryMs;
        log.info(`serial: telegraph connected on ${path}`);
        onTelegraph({ link: "serial", connected: true, device: path });
        onHealth(health());
      }
      reader.feed(chunk, onLine, () => log.warn(`serial ${path}: dropped a line over 64 bytes`));
    });
    opened.on("close", () => lost(opened, "the device closed"));
    opened.on("error", (error) => lost(opened, error.message));
    log.debug(`serial: opened ${path}, waiting for the telegraph to speak`);
    if (answer !== undefined) send({ kind: "answer", position: answer });
    heard();
    ping = setInterval(() => send({ kind: "ping" }), timing.pingMs);
  }

  function health(): LinkHealth {
    return speaking
      ? { link: "serial", state: "connected", at: path }
      : { link: "serial", state: "disconnected", at: path ?? device, error: problem };
  }

  function heard(): void {
    clearTimeout(silence);
    // Then a moment more: a process that was stopped (SIGSTOP, a paused VM) wakes to this timer
    // before it reads the lines that came meanwhile, and closing the port now would lose them.
    const silent = () => (silence = setTimeout(() => port && lost(port, `nothing heard for ${timing.silenceMs / 1000} s`), SILENCE_GRACE_MS));
    silence = setTimeout(silent, timing.silenceMs);
  }

  function lost(which: SerialPortStream, reason: string): void {
    if (port !== which) return; // already given up on
    port = undefined;
    clearInterval(ping);
    clearTimeout(silence);
    which
      .removeAllListeners("data")
      .removeAllListeners("close")
      .on("error", () => {});
    if (which.isOpen) which.close();
    if (speaking) {
      log.warn(`serial: telegraph on ${path} disconnected: ${reason}`);
      onTelegraph({ link: "serial", connected: false, device: path ?? device });
    }
    speaking = false;
    retryLater(reason);
  }

  function retryLater(reason: string): void {
    problem = reason;
    onHealth(health());
    if (closed || retry) return;
    retry = setTimeout(() => void connect(), delay);
    delay = Math.min(delay * 1.5, timing.maxRetryMs);
  }

  function onLine(line: string): void {
    const message = parseLine(line);
    switch (message.kind) {
      case "order": {
        const found = findPosition(face, message.position);
        if (found) return onOrder(found);
        return log.warn(`serial: order ignored: ${unknownPosition(face, message.position)}`);
      }
      case "hello":
        log.info(`serial: telegraph on ${path} is ${message.name} ${message.version}`);
        return onTelegraph({ link: "serial", connected: true, device: path, name: message.name, firmware: message.version });
      case "ping":
        return send({ kind: "pong" });
      case "pong":
      case "empty":
        return;
      default:
        log.warn(`serial ${path}: ignored ${JSON.stringify(line)}: ${message.kind === "error" ? message.error : "not for the server"}`);
    }
  }

  /** Sends a line if the telegraph is there; if not, it gets the current answer when it is back. */
  function send(message: Parameters<typeof formatLine>[0]): void {
    port?.write(`${formatLine(message)}\n`);
  }

  const ready = connect();
  return {
    name: "serial",
    ready,
    async tellOrder(position) {
      send({ kind: "order", position });
    },
    async tellAnswer(position) {
      answer = position;
      send({ kind: "answer", position });
    },
    health,
    async close() {
      closed = true;
      await ready;
      clearTimeout(retry);
      if (port) {
        const open = port;
        lost(open, "closing");
        await new Promise((resolve) => (open.isOpen ? open.once("close", resolve) : resolve(undefined)));
      }
    },
  };
}
