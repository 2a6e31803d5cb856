// A file that holds one position and a newline: the telegraph's status file and our accept file.
import { open } from "node:fs/promises";
import writeFileAtomic from "write-file-atomic";
import type { Face } from "../../lib/protocol";
import { readPosition } from "../telegraph/face";

/** More than any position needs; a larger file is refused without reading it all. */
export const MAX_FILE_BYTES = 4096;
/** One message however large the file is, so a growing file is reported once. */
const TOO_LONG = `over ${MAX_FILE_BYTES} bytes: far too long for one position`;

export type FileRead =
  | { kind: "position"; position: number; mtime: Date }
  | { kind: "absent" }
  /** A writer between truncate and write: wait for the next change. */
  | { kind: "empty" }
  | { kind: "error"; error: string };

export async function readPositionFile(file: string, face: Face): Promise<FileRead> {
  let handle;
  try {
    handle = await open(file, "r");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { kind: "absent" };
    return { kind: "error", error: code === "EACCES" ? "cannot read it: permission denied" : `cannot read it: ${code}` };
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return { kind: "error", error: "it is not a regular file" };
    if (stat.size > MAX_FILE_BYTES) return { kind: "error", error: TOO_LONG };
    const buffer = Buffer.alloc(MAX_FILE_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > MAX_FILE_BYTES) return { kind: "error", error: TOO_LONG }; // it grew while being read
    const result = readPosition(face, buffer.toString("utf8", 0, bytesRead));
    if (result.ok === "empty") return { kind: "empty" };
    if (!result.ok) return { kind: "error", error: result.error };
    return { kind: "position", position: result.position.position, mtime: stat.mtime };
  } catch (error) {
    return { kind: "error", error: `cannot read it: ${(error as Error).message}` };
  } finally {
    await handle.close();
  }
}

/** Writes the position atomically (temp file + rename): a reader sees the old content or the new, never half. */
export function writePositionFile(file: string, position: number): Promise<void> {
  return writeFileAtomic(file, `${position}\n`, { fsync: false });
}
