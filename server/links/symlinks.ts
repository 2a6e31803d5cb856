// Symbolic links on the way to a telegraph's file: followed as the kernel follows them, so that the
// file they lead to is the one watched (watch-file.ts) and written (position-file.ts).
import { realpathSync, statSync } from "node:fs";
import { readlink, realpath } from "node:fs/promises";
import path from "node:path";

/** Links followed from the path named to the file read, as the kernel's own limit (SYMLOOP_MAX). */
const MAX_LINKS = 40;

/**
 * The path named and each one its symbolic links lead to: the last is the file itself (or where it
 * will be, for a link to nothing yet). A link's target is taken from the link's real folder, as the
 * kernel does ("../x" beside a linked folder); a loop ends it too.
 */
export async function chainOf(file: string): Promise<string[]> {
  const chain = [file];
  for (let at = file; chain.length <= MAX_LINKS;) {
    const target = await readlink(at).catch(() => undefined);
    if (target === undefined) break;
    at = path.resolve(await realpath(path.dirname(at)).catch(() => path.dirname(at)), target);
    if (chain.includes(at)) break;
    chain.push(at);
  }
  return chain;
}

/**
 * The same for two paths of one file, however each names it (a symbolic link to it or to its
 * folder, a hard link, "/dev/serial/by-id/…" for "/dev/ttyACM0"): its device and inode when it is
 * there, else its folder's real path and its name. For the checks at start (config.ts).
 */
export function fileKey(file: string): string {
  try {
    const found = statSync(file, { throwIfNoEntry: false });
    if (found) return `inode ${found.dev}:${found.ino}`;
    return `path ${path.join(realpathSync(path.dirname(file)), path.basename(file))}`;
  } catch {
    return `path ${path.resolve(file)}`; // a folder not there yet, or not ours to look into: as named
  }
}
