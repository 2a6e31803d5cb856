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
 * The file itself is watched (and, while it is missing, its folder for it to come back), and the
 * folder's parent for the folder itself: chokidar does not always report a watched folder's own
 * removal (not when files in it were emptied first, or are still held open), but the parent sees
 * it go and come back.
 *
 * Not the folder (performance, docs/performance.md): chokidar reads a watched folder again, and
 * stats every entry in it, at each change there, and the journal and the store beside the status
 * file change at every order; that was about 4 folder reads an order. The file's changes come from
 * chokidar's `raw` events (every event the OS reports, at once), not its `change`: chokidar stats
 * the file before it reports a change, drops one that follows another within 50 ms (a writer's
 * truncate and write are two), and ignores a chmod or chown, which may make the file unreadable
 * to us or readable again. The reader (file-link.ts) coalesces events that come while it reads.
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
    const parent = path.dirname(folder);
    /** Only what each folder watch is for: chokidar neither watches nor stats the rest. */
    const only = (p: string, keep: (q: string) => boolean) => watch(p, { ignoreInitial: true, depth: 0, ignored: (q: string) => q !== p && !keep(q) });
    const current =
      target === folder
        ? [watch(file, { ignoreInitial: true }), only(parent, (q) => q === folder)]
        : [only(target, (q) => folder === q || folder.startsWith(q + path.sep))];
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
      // Events the file's watch reports, or its folder's while chokidar waits there for it to come back.
      current[0].on("raw", (_event, changed: string | null, details) => {
        const watched = (details as { watchedPath?: string }).watchedPath;
        if (watched === file || (watched === folder && (!changed || changed === name))) onChange();
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
