// Folders and files of the tests' own, a real shell to write with, and pseudo-terminals.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type PtyPair, openPtyPair } from "../../sim/pty";

/** A new folder in `parent` (the system's temporary folder unless told). */
export async function tempDir(parent = tmpdir()): Promise<string> {
  return mkdtemp(path.join(parent, "chadburn-test-"));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Runs a command line in a real shell (`sh -c`); rejects with its stderr if it fails. */
export function sh(command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("sh", ["-c", command], (error, stdout, stderr) => {
      if (error) reject(new Error(`sh -c ${JSON.stringify(command)}: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}

/** Quotes a path for `sh -c`. */
export function q(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

export type TestPty = PtyPair & { dir: string };

/**
 * A socat pty pair in a folder of its own (or `dir` again, to bring the same device back):
 * `a` is the device for the server's --serial, `b` the telegraph's end. Resolves once both exist.
 */
export async function ptyPair(dir?: string): Promise<TestPty> {
  const folder = dir ?? (await tempDir());
  return { ...(await openPtyPair(path.join(folder, "ttyA"), path.join(folder, "ttyB"))), dir: folder };
}
