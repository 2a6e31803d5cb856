// Watches one file through its folder, so every way a writer replaces it is seen: write in place,
// truncate, rename over, delete and recreate. If the folder itself goes, it waits for it to come back.
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

/** Calls onChange whenever the file may have changed (including right after the watch is armed). */
export function watchFile(file: string, onChange: () => void, onError: (error: Error) => void): FileWatch {
  const folder = path.dirname(file);
  let watcher: FSWatcher | undefined;
  let closed = false;

  async function arm(): Promise<void> {
    await watcher?.close();
    if (closed) return;
    const target = await nearestExisting(folder);
    const current = watch(target, { ignoreInitial: true, depth: 0 });
    watcher = current;
    let stale = false; // this watch is being replaced: ask only once
    const rearm = () => {
      if (stale) return;
      stale = true;
      void arm().catch(onError);
    };
    current.on("all", (event, changed) => {
      if (target === folder && changed === file) onChange();
      else if (event === "unlinkDir" && changed === target) rearm();
      else if (event === "addDir" && (folder === changed || folder.startsWith(changed + path.sep))) rearm();
    });
    // chokidar reports the folder's own removal only sometimes (not when it was emptied first):
    // on any raw event in it, make sure it is still there.
    if (target === folder) current.on("raw", () => void exists(folder).then((there) => there || rearm()));
    current.on("error", (error) => onError(error as Error));
    await new Promise<void>((resolve) => current.once("ready", resolve));
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
      await watcher?.close();
    },
  };
}
