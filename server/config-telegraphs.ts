// The telegraphs a server follows (issue 16; docs/configuration.md#several-telegraphs): the one the
// flags describe, and those the config file declares under `telegraphs`, with `default` saying which
// is at `/`. Read by config.ts, the only reader of the config file; checked whole, one line per mistake.
import { z } from "zod";
import type { Face } from "../lib/protocol";
import { DEFAULT_SLUG, Slug } from "../lib/telegraphs";
import { ConfigError, type FileOnly } from "./config-file";
import { fileKey } from "./links/symlinks";

/** The title of the telegraph the flags describe: it has no other. */
export const DEFAULT_TITLE = "Telegraph";
/** A title is shown in a panel's bar and a list: a few words. */
export const MAX_TITLE = 60;
/** More telegraphs than a lab has rooms: a typo in a generated file, not a plan. */
export const MAX_TELEGRAPHS = 100;

/** One telegraph as the server builds it (server/telegraphs.ts): its links are the files, the serial line, both, or none (soft only). */
export interface TelegraphSpec {
  slug: string;
  title: string;
  face: Face;
  /** Both files or neither. */
  statusFile?: string;
  acceptFile?: string;
  /** A serial device path, or "auto" for the first Teensy. */
  serial?: string;
  baud: number;
}

/** The settings of the telegraph the flags describe (--status-file, --accept-file, --face, --serial, --baud). */
export type FlagTelegraph = Pick<TelegraphSpec, "face" | "serial" | "baud"> & { statusFile: string; acceptFile: string };
const FLAG_KEYS = ["statusFile", "acceptFile", "face", "serial", "baud"] as const;

const Entry = z.strictObject({
  slug: Slug,
  title: z.string().trim().min(1, "a title is needed: a few words, shown on the panel").max(MAX_TITLE, `at most ${MAX_TITLE} characters`),
  face: z.string().min(1).optional(),
  statusFile: z.string().min(1).optional(),
  acceptFile: z.string().min(1).optional(),
  serial: z.string().min(1).optional(),
  baud: z.union([z.number(), z.string()]).optional(),
});
const Declared = z.array(Entry).max(MAX_TELEGRAPHS, `at most ${MAX_TELEGRAPHS} telegraphs`);
const DefaultKey = z.union([Slug, z.null()]);

export interface TelegraphsRead {
  /** Every telegraph, the default (if any) first. */
  telegraphs: TelegraphSpec[];
  /** The slug at `/` and today's routes (/api/state, /api/order, /api/answer); null: none, `/` lists them. */
  defaultTelegraph: string | null;
}

interface Sources {
  fileOnly: FileOnly;
  /** The config file's name and how to resolve a path in it; undefined without a file. */
  file?: { name: string; resolve: (value: string) => string };
  flags: FlagTelegraph;
  /** Which of the flags' telegraph settings were given (flag, variable or the file), not left at their default. */
  given: (key: (typeof FLAG_KEYS)[number]) => boolean;
  loadFace: (file: string, label: string) => Face;
  /** The --baud parser: a number of bits per second, or an error saying what is wrong. */
  baud: (value: string) => number;
}

/** The telegraphs of these settings; a ConfigError naming the file and key when they cannot be. */
export function readTelegraphs({ fileOnly, file, flags, given, loadFace, baud }: Sources): TelegraphsRead {
  const name = file?.name ?? "";
  const fail = (message: string): never => {
    throw new ConfigError(`${name}: ${message}`);
  };
  const declared = parsed(Declared, fileOnly.telegraphs ?? [], "telegraphs", fail);
  const named = fileOnly.default === undefined ? undefined : parsed(DefaultKey, fileOnly.default, "default", fail);
  const ownFlags: TelegraphSpec = { slug: DEFAULT_SLUG, title: DEFAULT_TITLE, ...flags };
  if (!declared.length && named === undefined) return { telegraphs: [ownFlags], defaultTelegraph: DEFAULT_SLUG };

  const resolve = file!.resolve; // declared telegraphs come from the file only
  const specs = declared.map((entry, i): TelegraphSpec => {
    const at = `telegraphs[${i}]`;
    if (!entry.statusFile !== !entry.acceptFile) fail(`${at}: statusFile and acceptFile go together (both, or neither for a soft telegraph)`);
    if (entry.baud !== undefined && !entry.serial) fail(`${at}.baud: only with serial`);
    let speed = 9600;
    try {
      if (entry.baud !== undefined) speed = baud(String(entry.baud));
    } catch (error) {
      fail(`${at}.baud: ${(error as Error).message}`);
    }
    return {
      slug: entry.slug,
      title: entry.title,
      face: entry.face ? loadFace(resolve(entry.face), `${name}: ${at}.face`) : flags.face,
      ...(entry.statusFile && { statusFile: resolve(entry.statusFile), acceptFile: resolve(entry.acceptFile!) }),
      ...(entry.serial && { serial: entry.serial === "auto" ? "auto" : resolve(entry.serial) }),
      baud: speed,
    };
  });
  const slugs = specs.map((spec) => spec.slug);
  const twice = slugs.find((slug, i) => slugs.indexOf(slug) !== i);
  if (twice) fail(`telegraphs: the slug "${twice}" is declared twice`);

  // The flags' telegraph is there unless `default` names a declared one or none.
  const flagsOwn = named === undefined || (named === DEFAULT_SLUG && !slugs.includes(DEFAULT_SLUG));
  if (flagsOwn && slugs.includes(DEFAULT_SLUG))
    fail(`telegraphs: the slug "${DEFAULT_SLUG}" is the telegraph the flags describe; name yours otherwise, or add "default": "${DEFAULT_SLUG}"`);
  if (typeof named === "string" && !flagsOwn && !slugs.includes(named)) fail(`default: "${named}" is not a declared telegraph's slug`);
  if (!flagsOwn) {
    const stray = FLAG_KEYS.find(given);
    if (stray) fail(`${stray}: with "default": ${JSON.stringify(named)} the flags describe no telegraph; give it in the telegraph's entry`);
  }
  if (named === null && !specs.length) fail(`default: null needs declared telegraphs`);
  const all = flagsOwn ? [ownFlags, ...specs] : specs;
  checkShared(all, fail);
  const defaultTelegraph = flagsOwn ? DEFAULT_SLUG : (named ?? null);
  return { telegraphs: [...all.filter((t) => t.slug === defaultTelegraph), ...all.filter((t) => t.slug !== defaultTelegraph)], defaultTelegraph };
}

/** No two telegraphs share a file or a serial device: each would read the other's orders. */
function checkShared(all: TelegraphSpec[], fail: (message: string) => never): void {
  const owners = new Map<string, { slug: string; as: string }>();
  for (const { slug, statusFile, acceptFile, serial } of all) {
    if (statusFile !== undefined && fileKey(statusFile) === fileKey(acceptFile!))
      fail(`telegraphs: "${slug}": the accept file must not be the status file${besides(acceptFile!, statusFile)}`);
    const uses = [
      ["file", statusFile],
      ["file", acceptFile],
      ["serial device", serial],
    ] as const;
    for (const [what, value] of uses) {
      if (value === undefined) continue;
      const key = `${what} ${value === "auto" ? value : fileKey(value)}`;
      const other = owners.get(key);
      if (other)
        fail(`telegraphs: "${slug}" and "${other.slug}" share the ${what} ${value}${besides(value, other.as)}: each telegraph needs its own`);
      owners.set(key, { slug, as: value });
    }
  }
}

/** For one file named two ways: how the other names it. */
export const besides = (one: string, other: string) => (one === other ? "" : ` (${one} is ${other}, through a link)`);

/** `value` as `schema` reads it; else one line naming where: "telegraphs[1].slug: …". */
function parsed<T>(schema: z.ZodType<T>, value: unknown, key: string, fail: (message: string) => never): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue.path.map((part) => (typeof part === "number" ? `[${part}]` : `.${String(part)}`)).join("");
  return fail(`${key}${where}: ${issue.message}`);
}
