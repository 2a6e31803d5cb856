// Watches one file through its folder, so every way a writer replaces it is seen: write in place,
// truncate, rename over, delete and recreate, and a change of who may read it. If the folder itself
// goes, it waits for it to come back.
import { stat } from "node:fs/promises";
import path from "node:path";
import { type FSWatcher, watch } from "chokidar";

export interface FileWatch {
  /** Resolves once the watch is in place. */
  ready: Promise<void>;
  close(): Promise<void>;
}

const exists = (p: string) => stat(p).then(() => true, () => false);

async function nearestExisting(folder: string): Promise<string> {
  while (!(await exists(folder)) && path.dirname(folder) !== folder) folder = path.dirname(folder);
  return folder;
}

/**
 * Calls onChange whenever the file may have changed (including right after the watch is armed).
 * The folder is watched for the file, and its parent for the folder itself: chokidar does not
 * always report a watched folder's own removal (not when files in it were emptied first, or are
 * still held open), but the parent sees it go and come back.
 *
 * The file's changes come from chokidar's `raw` events (every event the OS reports, at once), not
 * its `change` (docs/performance.md): chokidar stats the file before it reports a change, drops a
 * change that follows another within 50 ms (a writer's truncate and write are two), and ignores
 * a chmod or chown, which may make the file unreadable to us or readable again. The reader
 * (file-link.ts) coalesces events that come while it reads. Everything else in these folders (the
 * journal and the store beside the status file change at every order) is ignored, so chokidar
 * neither watches nor stats it.
 */
export function watchFile(file: string, onChange: () => void, onError: (error: Error) => void): FileWatch {
  const folder = path.dirname(file);
  const name = path.basename(file);
  let watchers: FSWatcher[] = [];
  let closed = false;

  async function arm(): Promise<void> {
    await Promise.all(watchers.map((w) => w.close()));
    if (closed) return;
    const target = await nearestExisting(folder);
    /** What each watcher needs to see: the watched folder and these paths in it. */
    const wanted: [string, (p: string) => boolean][] =
      target === folder
        ? [
            [folder, (p) => p === file],
            [path.dirname(folder), (p) => p === folder],
          ]
        : [[target, (p) => folder === p || folder.startsWith(p + path.sep)]];
    const current = wanted.map(([p, keep]) => watch(p, { ignoreInitial: true, depth: 0, ignored: (q: string) => q !== p && !keep(q) }));
    watchers = current;
    let stale = false; // this watch is being replaced: ask only once
    const rearm = () => {
      if (stale) return;
      stale = true;
      void arm().catch(onError);
    };
    const onAll = (event: string, changed: string) => {
      if (target === folder && changed === file) onChange();
      else if (event === "unlinkDir" && (changed === folder || changed === target)) rearm();
      else if (event === "addDir" && target !== folder && (folder === changed || folder.startsWith(changed + path.sep))) rearm();
    };
    for (const w of current) {
      w.on("all", onAll);
      w.on("error", (error) => onError(error as Error));
    }
    if (target === folder) {
      // Events the folder's own watch reports for the file (or for a name it could not tell).
      current[0].on("raw", (_event, changed: string | null, details) => {
        if ((details as { watchedPath?: string }).watchedPath === folder && (!changed || changed === name)) onChange();
      });
    }
    await Promise.all(current.map((w) => new Promise<void>((resolve) => w.once("ready", resolve))));
    // The folder may have appeared, or the file changed, while the watch was being armed.
    if (target !== folder && (await exists(folder))) return arm();
    onChange();
  }

  const ready = arm();
  return {
    ready,
    async close() {
      closed = true;
      await ready.catch(() => {});
      await Promise.all(watchers.map((w) => w.close()));
    },
  };
}
