// A file that holds one position and a newline: the telegraph's status file and our accept file.
import { type Stats, closeSync, constants, fstatSync, openSync, readSync, statSync } from "node:fs";
import { stat } from "node:fs/promises";
import writeFileAtomic from "write-file-atomic";
import type { Face, FacePosition } from "../../lib/protocol";
import { readPosition } from "../../lib/face";
import { chainOf } from "./symlinks";

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

/** The path's fingerprint now, without waiting (the error path of a read that is itself synchronous). */
function fingerprintNow(file: string): string {
  try {
    return fingerprint(statSync(file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === "ENOENT" ? "absent" : `error:${code}`;
  }
}

const UTF16LE = new TextDecoder("utf-16le");
const UTF16BE = new TextDecoder("utf-16be");
/** UTF-16 by its byte order mark, as Windows PowerShell 5.1 writes (`echo 7 > status.eot`); else UTF-8, whose own mark the face's reading trims. */
function decode(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return UTF16LE.decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return UTF16BE.decode(bytes);
  return bytes.toString("utf8");
}

/**
 * Reads the file synchronously (performance): open, fstat, read and close of one small file the
 * writer has just written, in the page cache, take tens of microseconds, where each of them as a
 * promise is a trip through libuv's thread pool and back, queued behind whatever the event loop is
 * doing (with 1,000 panels sending receipts, up to 60 ms between the watch's event and the order).
 * The cost: a status file on a filesystem that hangs (a dead network mount) would hold the server.
 */
export function readPositionFile(file: string, face: Face): FileRead {
  let fd;
  try {
    // Non-blocking: a FIFO in the file's place would otherwise hold the read until someone writes into it.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { kind: "absent", seen: "absent" };
    return { kind: "error", error: describeOpenError(code), seen: fingerprintNow(file) };
  }
  let seen = "";
  try {
    const stats = fstatSync(fd);
    seen = fingerprint(stats);
    if (!stats.isFile()) return { kind: "error", error: stats.isDirectory() ? "it is a directory" : "it is not a regular file", seen };
    if (stats.size > MAX_FILE_BYTES) return { kind: "error", error: TOO_LONG, seen };
    const buffer = Buffer.alloc(MAX_FILE_BYTES + 1);
    const bytesRead = readSync(fd, buffer, 0, buffer.length, 0);
    // Looked at again after the read: a write that came between the stat and the read shows here, so
    // the same content read again later has the same fingerprint (file-link.ts tells it once).
    seen = fingerprint(fstatSync(fd));
    if (bytesRead > MAX_FILE_BYTES) return { kind: "error", error: TOO_LONG, seen }; // it grew while being read
    const result = readPosition(face, decode(buffer.subarray(0, bytesRead)));
    if (result.ok === "empty") return { kind: "empty", seen };
    if (!result.ok) return { kind: "error", error: result.error, seen };
    return { kind: "position", position: result.position, mtime: stats.mtime, seen };
  } catch (error) {
    return { kind: "error", error: `cannot read it: ${(error as Error).message}`, seen };
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes the position atomically (temp file + rename): a reader sees the old content or the new,
 * never half. Through a symbolic link, into the file it leads to, made if need be: the link stays
 * (write-file-atomic follows only a link to a file that exists, and replaced one to nothing yet).
 */
export async function writePositionFile(file: string, position: number): Promise<void> {
  const chain = await chainOf(file);
  return writeFileAtomic(chain.at(-1)!, `${position}\n`, { fsync: false });
}
