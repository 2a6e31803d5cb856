// The config file: settings as one JSON object, below flags and variables and above the defaults
// (docs/configuration.md). A key is its option's variable without CHADBURN_, in camelCase, and its
// value goes through that option's own parser: one set of rules for flags, variables and the file.
import { type Stats, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { type Command, InvalidArgumentError, Option } from "commander";

/** A setting that cannot be used; its message is one line naming the setting. */
export class ConfigError extends Error {}

/** Read from the working folder when there is one and no --config names another. */
export const CONFIG_FILE = "chadburn.config.json";

export const configOption = () =>
  new Option("--config <file>", `JSON file of settings, below flags and variables (default: ./${CONFIG_FILE} if there is one)`).env(
    "CHADBURN_CONFIG",
  );

/**
 * Keys only the file has, with no flag or variable: the telegraphs it declares, and which of them is
 * the default (server/config-telegraphs.ts reads them).
 */
export const FILE_ONLY_KEYS = ["telegraphs", "default"] as const;
export type FileOnly = Partial<Record<(typeof FILE_ONLY_KEYS)[number], unknown>>;

/** What applyConfigFile gives back: how to resolve a path setting, and the file's own keys with how to resolve their paths. */
export interface Applied {
  at: (name: string, value: string) => string;
  fileOnly: FileOnly;
  /** The file's name as given (for messages) and how to resolve a path it holds; undefined without a file. */
  file?: { name: string; resolve: (value: string) => string };
}

/** CHADBURN_ALLOWED_ORIGINS: allowedOrigins. */
const keyOf = (option: Option) =>
  option
    .envVar!.replace(/^CHADBURN_/, "")
    .toLowerCase()
    .replace(/_(.)/g, (_, c: string) => c.toUpperCase());

/** The file's keys: every option with a variable, but the config file itself. */
export function configKeys(options: readonly Option[]): Map<string, Option> {
  return new Map(options.filter((o) => o.envVar && o.attributeName() !== "config").map((o) => [keyOf(o), o]));
}

/** Edits to turn a into b, a swap of neighbours counting as one: "prot" is one from "port". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i && j ? 0 : i + j)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

function unknownKey(key: string, keys: string[]): string {
  const near = keys.find((k) => distance(key.toLowerCase(), k.toLowerCase()) <= Math.max(1, Math.floor(k.length / 4)));
  return `unknown key ${JSON.stringify(key)}${near ? ` (did you mean ${JSON.stringify(near)}?)` : ""}`;
}

/** One setting as its option would take it from the command line: numbers as their digits, a list item by item. */
function optionValue(option: Option, value: unknown): unknown {
  if (option.isBoolean()) {
    if (typeof value !== "boolean") throw new InvalidArgumentError("must be true or false");
    return value;
  }
  const repeatable = Array.isArray(option.defaultValue); // --allowed-origin, --trust-proxy
  const items = repeatable && Array.isArray(value) ? value : [value];
  if (!items.every((item) => typeof item === "string" || typeof item === "number")) {
    throw new InvalidArgumentError(repeatable ? "must be a string or a list of strings" : "must be a string or a number");
  }
  return items.map(String).reduce<unknown>((previous, item) => (option.parseArg ? option.parseArg(item, previous) : item), option.defaultValue);
}

/**
 * Why the file cannot be trusted, if it cannot: whoever else may write it decides who may do what
 * (`anonymous`, `allowedOrigins`, `trustProxy`). Group or other write permission, or another owner
 * than the user running us, root excepted (a root-owned file in /etc is the usual place).
 */
export function untrusted({ mode, uid }: Pick<Stats, "mode" | "uid">, runningAs = process.getuid?.()): string | undefined {
  if (mode & 0o022) return `writable by other users (mode ${(mode & 0o777).toString(8).padStart(4, "0")}): chmod go-w it`;
  if (runningAs !== undefined && uid !== runningAs && uid !== 0)
    return `owned by another user (uid ${uid}), not by the one running chadburn (uid ${runningAs}) nor root: chown it`;
  return undefined;
}

/** The file's JSON, or undefined when it is the default file and there is none. */
function readJson(command: Command, cwd: string): { name: string; file: string; json: unknown } | undefined {
  const given: string | undefined = command.getOptionValue("config");
  const name = given ?? CONFIG_FILE;
  const file = path.resolve(cwd, name);
  let text: string;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw new Error("not a file");
    const why = untrusted(stat);
    if (why) throw new ConfigError(`${name}: ${why}`);
    text = readFileSync(file, "utf8");
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const { code, message } = error as NodeJS.ErrnoException;
    if (code !== "ENOENT") throw new ConfigError(`${name}: ${message}`);
    if (given === undefined) return undefined;
    throw new ConfigError(`${command.getOptionValueSource("config") === "env" ? "CHADBURN_CONFIG" : "--config"} ${given}: no such file`);
  }
  try {
    return { name, file, json: JSON.parse(text) };
  } catch (error) {
    throw new ConfigError(`${name}: not JSON (${(error as Error).message})`);
  }
}

/**
 * Gives every option of `command` that neither its flag nor its variable set the config file's value,
 * after checking the whole file against `options` (the server's: one file serves every command).
 * Returns how to resolve a path setting: against the file's folder if it came from the file, else `cwd`;
 * and the keys only the file has (FILE_ONLY_KEYS), unchecked.
 */
export function applyConfigFile(command: Command, options: readonly Option[], cwd: string): Applied {
  const read = readJson(command, cwd);
  if (!read) return { at: (_name, value) => path.resolve(cwd, value), fileOnly: {} };
  const { name, file, json } = read;
  if (typeof json !== "object" || json === null || Array.isArray(json))
    throw new ConfigError(`${name}: must be a JSON object of settings, e.g. {"port": 1873}`);
  const keys = configKeys(options);
  const fileOnly: FileOnly = {};
  const entries = Object.entries(json).filter(([key, value]) => {
    if (!(FILE_ONLY_KEYS as readonly string[]).includes(key)) return true;
    fileOnly[key as keyof FileOnly] = value;
    return false;
  });
  const values = entries.map(([key, value]) => {
    const option = keys.get(key);
    if (!option) throw new ConfigError(`${name}: ${unknownKey(key, [...keys.keys(), ...FILE_ONLY_KEYS])}`);
    try {
      return [option.attributeName(), optionValue(option, value)] as const;
    } catch (error) {
      if (error instanceof InvalidArgumentError) throw new ConfigError(`${name}: ${key}: ${error.message}`);
      throw error;
    }
  });
  const own = new Set(command.options.map((o) => o.attributeName()));
  for (const [attribute, value] of values) {
    const source = command.getOptionValueSource(attribute);
    if (own.has(attribute) && (source === undefined || source === "default")) command.setOptionValueWithSource(attribute, value, "config");
  }
  const dir = path.dirname(file);
  return {
    at: (option, value) => path.resolve(command.getOptionValueSource(option) === "config" ? dir : cwd, value),
    fileOnly,
    file: { name, resolve: (value) => path.resolve(dir, value) },
  };
}
