// Several telegraphs on one test server (issue 16): each with its own files.
import path from "node:path";
import { DEFAULT_FACE } from "../../lib/face";
import type { TelegraphSpec } from "../../server/config-telegraphs";
import { tempDir } from "./files";
import { type ServerOptions, startServer } from "./server";
import type { Tracker } from "./track";

/** A telegraph `slug` with its status and accept files in a folder of its own under `dir`. */
export const withFiles = (dir: string, slug: string, title: string): TelegraphSpec => ({
  slug,
  title,
  face: DEFAULT_FACE,
  statusFile: path.join(dir, slug, "status.eot"),
  acceptFile: path.join(dir, slug, "accept.eot"),
  baud: 9600,
});

/** Two telegraphs with their own files, "lab" the default; `options` add to the server's. */
export async function labAndWorkshop(track: Tracker, options: ServerOptions = {}) {
  const dir = track.dir(await tempDir());
  const lab = withFiles(dir, "lab", "Lab");
  const workshop = withFiles(dir, "workshop", "Workshop");
  const server = track.server(await startServer({ ...options, dir, telegraphs: [lab, workshop], defaultTelegraph: "lab" }));
  return { server, lab, workshop };
}
