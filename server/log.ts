// One logger for the server: JSON lines when piped (for machines), readable lines on a terminal.
import pino from "pino";
import pretty from "pino-pretty";

export type Logger = pino.Logger;

export function createLogger(level: string, destination: NodeJS.WritableStream = process.stdout): Logger {
  const tty = (destination as { isTTY?: boolean }).isTTY;
  return pino(
    { level, base: undefined },
    tty ? pretty({ destination, sync: true, ignore: "pid,hostname" }) : (destination as pino.DestinationStream),
  );
}
