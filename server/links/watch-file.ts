// Follows one file by its name, whatever happens to it: written in place, truncated, renamed over,
// deleted and made again, replaced by a folder or a FIFO, its permissions changed, its folder
// deleted and made again, a symbolic link to a file elsewhere, pointed elsewhere.
import { type FSWatcher, lstatSync, watch as watchFolder } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import { type FSWatcher as AncestorWatcher, watch as watchAncestor } from "chokidar";
import { coalesce } from "./coalesce";
import { chainOf } from "./symlinks";

export interface FileWatch {
  /** Resolves once the watch is in place. */
  ready: Promise<void>;
  /** Throws the watch away and makes it again: the safety net's answer to a change it missed. */
  rearm(): Promise<void>;
  close(): Promise<void>;
}

/** Whether something is at the path (a folder's inode number says nothing: a new one may reuse it). */
const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

async function nearestExisting(folder: string): Promise<string> {
  while (!(await exists(folder)) && path.dirname(folder) !== folder) folder = path.dirname(folder);
  return folder;
}

/** What an event on a name in a watched folder means: the file read changed, a link on the way may point elsewhere, a folder on the way went or came. */
type Meaning = "file" | "link" | "folder";

/**
 * The folders to watch for `chain` (chainOf), and what each name in them means: every path's folder
 * for its name, and that folder's parent for the folder's own (inotify tells a folder's deletion to
 * its watch only once nothing holds it: a file in it still open, the store's say; its parent sees it go at once).
 */
function foldersOf(chain: string[]): Map<string, Map<string, Meaning>> {
  const folders = new Map<string, Map<string, Meaning>>();
  const mark = (folder: string, name: string, meaning: Meaning) => {
    const names = folders.get(folder) ?? new Map<string, Meaning>();
    folders.set(folder, names);
    if (!names.has(name) || meaning !== "folder") names.set(name, meaning);
  };
  chain.forEach((p, i) => {
    const folder = path.dirname(p);
    mark(folder, path.basename(p), i === chain.length - 1 ? "file" : "link");
    // Its own move, as its own watch tells it, and its deletion, as its parent's does.
    mark(folder, path.basename(folder), "folder");
    if (path.dirname(folder) !== folder) mark(path.dirname(folder), path.basename(folder), "folder");
  });
  return folders;
}

/**
 * Calls onChange whenever the file may have changed, and right after the watch is armed.
 *
 * The file's folder is watched (inotify on Linux) and its events filtered by the file's name: a
 * watch on the file itself follows its inode, which a rename over it leaves behind for good
 * (chokidar issues 601 and 237), and chokidar's own folder watch reads the folder again and stats
 * every entry at each event there (the store beside the status file changes at every order). A
 * status file that is a symbolic link is followed to the file it leads to, whose own folder tells
 * its writes (the link's tells only the link's changes, which re-arm the watch). The folders' events
 * for their own deletion or move re-arm it too; while the file's folder is missing, chokidar waits
 * at its nearest existing ancestor for it to come back, a rare state where a re-read of that
 * ancestor at each event there costs nothing that matters.
 */
export function watchFile(file: string, onChange: () => void, onError: (error: Error) => void): FileWatch {
  const folder = path.dirname(file);
  let folderWatches: FSWatcher[] = [];
  let ancestorWatch: AncestorWatcher | undefined;
  let closed = false;

  async function drop(): Promise<void> {
    for (const w of folderWatches) w.close();
    folderWatches = [];
    const ancestor = ancestorWatch;
    ancestorWatch = undefined;
    await ancestor?.close();
  }

  // One arm at a time; asked again meanwhile, it arms once more: that one may have looked too early.
  const rearm = coalesce(arm).run;
  /** Arms anew; a failure (out of watches, say) goes to onError, whoever asked: an event, the start, the safety net. */
  const armOrTell = () => rearm().catch((error: Error) => onError(error));
  const again = () => void armOrTell();

  async function arm(): Promise<void> {
    await drop();
    if (closed) return;
    if (!(await exists(folder))) return waitForFolder();
    // A folder that went, moved or came, or a link pointed elsewhere: this watch may follow nothing,
    // or the wrong file. Arm anew rather than compare inodes: a folder deleted and made again often gets the same number.
    const chain = await chainOf(file);
    if (closed) return;
    const folders = foldersOf(chain);
    for (const [watched, names] of folders) {
      try {
        const w = watchFolder(watched, (event, changed) => {
          // No name: anything here may have changed.
          const what = changed === null ? "link" : names.get(changed);
          // The file read may have been made a link (ln -sf): then its target's folder is the one to watch.
          if (what === "file" && !lstatSync(path.join(watched, changed!), { throwIfNoEntry: false })?.isSymbolicLink()) onChange();
          else if (what === "file" || what === "link" || (what === "folder" && event === "rename")) again();
        });
        folderWatches.push(w);
      } catch (error) {
        // The file's folder went between the stat and the watch; a folder further on (a dangling link's, a
        // root's parent) is left to the safety net; anything else (out of watches) is logged, and the safety net still reads.
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
        if (watched === folder) return void rearm();
      }
    }
    for (const w of folderWatches) w.on("error", again);
    // A link pointed elsewhere since the chain was followed told no watch (none was in place): follow it again, now that they are.
    if ((await chainOf(file)).join("\0") !== chain.join("\0")) again();
    onChange(); // the file may have changed while the watch was being armed
  }

  async function waitForFolder(): Promise<void> {
    const target = await nearestExisting(folder);
    const toward = (q: string) => folder === q || folder.startsWith(q + path.sep);
    const watcher = watchAncestor(target, { ignoreInitial: true, depth: 0, ignored: (q: string) => q !== target && !toward(q) });
    ancestorWatch = watcher;
    watcher.on("addDir", (added: string) => toward(added) && again());
    watcher.on("unlinkDir", (gone: string) => gone === target && again());
    watcher.on("error", (error) => onError(error as Error));
    await new Promise<void>((resolve) => watcher.once("ready", resolve));
    // The folder may have come back while chokidar was getting ready.
    if (await exists(folder)) again();
    else onChange();
  }

  const ready = armOrTell();
  return {
    ready,
    rearm: armOrTell,
    async close() {
      closed = true;
      await ready;
      await rearm().catch(() => {}); // waits for an arm under way; the last one, closed, drops every watch
    },
  };
}
