// Watches one file through its folder, so every way a writer replaces it is seen: write in place,
// truncate, rename over, delete and recreate, and a change of who may read it. If the folder itself
// goes, it waits for it to come back.
import type { Stats } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import { type FSWatcher, watch } from "chokidar";

export interface FileWatch {
  /** Resolves once the watch is in place. */
  ready: Promise<void>;
  close(): Promise<void>;
}

const exists = (p: string) => stat(p).then(() => true, () => false);

/** Who may read a file, as far as its stat tells. */
const access = (s: Stats) => `${s.mode} ${s.uid} ${s.gid}`;

async function nearestExisting(folder: string): Promise<string> {
  while (!(await exists(folder)) && path.dirname(folder) !== folder) folder = path.dirname(folder);
  return folder;
}

/**
 * Calls onChange whenever the file may have changed (including right after the watch is armed).
 * The folder is watched for the file, and its parent for the folder itself: chokidar does not
 * always report a watched folder's own removal (not when files in it were emptied first, or are
 * still held open), but the parent sees it go and come back.
 */
export function watchFile(file: string, onChange: () => void, onError: (error: Error) => void): FileWatch {
  const folder = path.dirname(file);
  let watchers: FSWatcher[] = [];
  let closed = false;

  async function arm(): Promise<void> {
    await Promise.all(watchers.map((w) => w.close()));
    if (closed) return;
    const target = await nearestExisting(folder);
    const paths = target === folder ? [folder, path.dirname(folder)] : [target];
    const current = paths.map((p) => watch(p, { ignoreInitial: true, depth: 0 }));
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
    // chokidar reports a change to the file only when its mtime moved or its owner's read bit
    // flipped: a chmod o-r / o+r or a chown does neither, yet may make the file unreadable to us,
    // or readable again. On any raw event in the folder, look at who may read it ourselves.
    if (target === folder) {
      let seen: string | undefined;
      let latest = 0;
      current[0].on("raw", async () => {
        const mine = ++latest;
        const now = await stat(file).catch(() => undefined);
        if (mine !== latest || !now) return; // a later look, begun since, sees the newer state
        if (access(now) !== seen) onChange();
        seen = access(now);
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
