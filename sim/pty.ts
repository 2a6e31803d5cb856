// A pseudo-terminal pair from socat: one end looks to the server like the telegraph's USB serial
// device, the other is for whoever plays the telegraph. Used by the simulator and the tests.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { constants, openSync } from "node:fs";
import { lstat } from "node:fs/promises";
import { createInterface } from "node:readline";
import { ReadStream } from "node:tty";

export interface PtyPair {
  /** The two ends: symlinks to /dev/pts/N that socat removes when it stops. */
  a: string;
  b: string;
  /** Stops socat, which closes both ends; resolves once it has exited. */
  stop(): Promise<void>;
}

/** Starts socat and resolves once both links exist; rejects with socat's own words if it cannot. */
export async function openPtyPair(a: string, b: string): Promise<PtyPair> {
  // socat reads "," and "!!" as address syntax, even inside a path.
  if (/[,!]/.test(a + b)) throw new Error(`socat cannot link a pty at a path with "," or "!": ${a}, ${b}`);
  const socat = spawn("socat", ["-d", "-d", `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  const exited = once(socat, "exit").catch(() => {}); // "error" instead when socat is missing
  // Whatever way this process ends, socat must not outlive it holding the device.
  const kill = () => socat.kill();
  process.on("exit", kill);
  const stop = async () => {
    if (socat.exitCode === null && socat.signalCode === null) socat.kill("SIGTERM"); // SIGTERM: socat removes its links
    await exited;
    process.off("exit", kill);
  };

  const said: string[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      // socat logs this once both ptys are open and linked (after their "N PTY is /dev/pts/N").
      createInterface({ input: socat.stderr }).on("line", (line) => {
        said.push(line);
        if (line.includes("starting data transfer loop")) resolve();
      });
      socat.once("error", (error) => reject(new Error(`socat: ${error.message} (is socat installed?)`)));
      socat.once("exit", (code) => reject(new Error(`socat exited with ${code}:\n${said.join("\n")}`)));
    });
    await Promise.all([lstat(a), lstat(b)]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { a, b, stop };
}

/**
 * Opens an end as the telegraph's side sees its line: a plain tty stream, both ways. Not with
 * serialport, which flushes on open whatever the server has already sent; a Teensy keeps it.
 */
export function openEnd(path: string): ReadStream {
  return new ReadStream(openSync(path, constants.O_RDWR | constants.O_NOCTTY));
}
