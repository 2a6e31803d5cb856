// A file that holds one position and a newline: the telegraph's status file and our accept file.
import { constants, type Stats } from "node:fs";
import { open, stat } from "node:fs/promises";
import writeFileAtomic from "write-file-atomic";
import type { Face, FacePosition } from "../../lib/protocol";
import { readPosition } from "../../lib/face";

/** More than any position needs; a larger file is refused without reading it all. */
export const MAX_FILE_BYTES = 4096;
/** One message however large the file is, so a growing file is reported once. */
const TOO_LONG = `over ${MAX_FILE_BYTES} bytes: far too long for one position`;

export type FileRead = (
  | { kind: "position"; position: FacePosition; mtime: Date }
  | { kind: "absent" }
  /** A writer between truncate and write: wait for the next change. */
  | { kind: "empty" }
  | { kind: "error"; error: string }
) & {
  /** What the path was when read (fingerprint): the safety net compares it with what the path is now. */
  seen: string;
};

/** What a file is, cheaply: any write, rename over, chmod or change of kind changes it. */
const fingerprint = (s: Stats) => `${s.dev}:${s.ino}:${s.mode}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;

/** The path's fingerprint now, by stat alone (no read): "absent", or the error's code. */
export function fingerprintOf(file: string): Promise<string> {
  return stat(file).then(fingerprint, (error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? "absent" : `error:${error.code}`));
}

const describeOpenError = (code: string | undefined) =>
  code === "EACCES" ? "cannot read it: permission denied" : code === "ENOTDIR" ? "its folder is not a folder" : `cannot read it: ${code}`;

export async function readPositionFile(file: string, face: Face): Promise<FileRead> {
  let handle;
  try {
    // Non-blocking: a FIFO in the file's place would otherwise hold the read until someone writes into it.
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { kind: "absent", seen: "absent" };
    return { kind: "error", error: describeOpenError(code), seen: await fingerprintOf(file) };
  }
  let seen = "";
  try {
    const stats = await handle.stat();
    seen = fingerprint(stats);
    if (!stats.isFile()) return { kind: "error", error: stats.isDirectory() ? "it is a directory" : "it is not a regular file", seen };
    if (stats.size > MAX_FILE_BYTES) return { kind: "error", error: TOO_LONG, seen };
    const buffer = Buffer.alloc(MAX_FILE_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > MAX_FILE_BYTES) return { kind: "error", error: TOO_LONG, seen }; // it grew while being read
    const result = readPosition(face, buffer.toString("utf8", 0, bytesRead));
    if (result.ok === "empty") return { kind: "empty", seen };
    if (!result.ok) return { kind: "error", error: result.error, seen };
    return { kind: "position", position: result.position, mtime: stats.mtime, seen };
  } catch (error) {
    return { kind: "error", error: `cannot read it: ${(error as Error).message}`, seen };
  } finally {
    await handle.close();
  }
}

/** Writes the position atomically (temp file + rename): a reader sees the old content or the new, never half. */
export function writePositionFile(file: string, position: number): Promise<void> {
  return writeFileAtomic(file, `${position}\n`, { fsync: false });
}
