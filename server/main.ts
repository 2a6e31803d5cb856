// `npm start` and `chadburn start`: reads the settings, prepares Next, starts Chadburn and stops it cleanly on a signal.
import { spawnSync } from "node:child_process";
import path from "node:path";
import next from "next";
import { startChadburn } from "./chadburn";
import { type Config, ConfigError, loadConfig } from "./config";
import { isEntry } from "./entry";
import { createLogger } from "./log";

/** After a signal, panels are told and connections closed; past this the process exits anyway. */
const SHUTDOWN_MS = 4000;

const root = path.resolve(import.meta.dirname, "..");

/**
 * Serves with these flags until a signal. With `build` (`npm start`, `chadburn start`), builds the
 * panel first when needed. A failure is one line on stderr and the exit.
 */
export async function serve(argv: string[], { build = false } = {}): Promise<void> {
  try {
    await start(argv, build);
  } catch (error) {
    process.stderr.write(`chadburn: ${(error as Error).message}\n`);
    process.exit(1);
  }
}

async function start(argv: string[], build: boolean): Promise<void> {
  let config;
  try {
    config = loadConfig(argv);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`chadburn: ${error.message}\n`);
    process.exit(2);
  }
  if (!config) return; // --help
  const panel = !config.headless;
  if (
    build &&
    panel &&
    !config.dev &&
    spawnSync(process.execPath, [path.join(root, "scripts/build-if-needed.mjs")], { stdio: "inherit" }).status !== 0
  ) {
    throw new Error("the panel could not be built");
  }

  const log = createLogger(config.logLevel);
  // A bug in one handler must not take every panel down with it: log it and keep serving.
  process.on("unhandledRejection", (error) => log.error(`unhandled: ${(error as Error)?.stack ?? error}`));
  // The pages read the API over this process's own address (app/read.ts). Set
  // before Next loads its environment: it may later reset process.env to what it found then. A
  // port the system picks (--port 0) is known only once listening, below.
  if (panel && config.port) process.env.CHADBURN_INTERNAL_URL = internalUrl(config, config.port);
  const web = panel ? next({ dev: config.dev, dir: root, quiet: !config.dev }) : undefined;
  await web?.prepare();
  const chadburn = await startChadburn(
    config,
    log,
    web && {
      request: web.getRequestHandler(),
      upgrade: web.getUpgradeHandler(),
      dev: config.dev,
    },
  );
  if (panel && !config.port) process.env.CHADBURN_INTERNAL_URL = internalUrl(config, chadburn.port);
  const several = config.telegraphs.length > 1;
  const files = config.telegraphs.map(
    (t) => `${several ? `${t.slug}: ` : ""}${t.statusFile ? `status file ${t.statusFile}, accept file ${t.acceptFile}` : "no files"}`,
  );
  log.info(`Chadburn listening on ${chadburn.url}${config.host ? "" : " (all interfaces)"}; ${files.join("; ")}`);

  let stopping = false;
  const stop = async (signal: string) => {
    // Acted on once. Under `npm start` the same signal comes twice: the process group's, and
    // npm's own copy of it; dying of the second would make npm exit by the signal, not 0.
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: telling panels and shutting down`);
    setTimeout(() => process.exit(0), SHUTDOWN_MS).unref();
    await chadburn.close("server restarting");
    await web?.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

/** Where this process reaches itself: loopback when it listens on every interface, else the one address it binds. */
function internalUrl({ host, tls }: Pick<Config, "host" | "tls">, port: number): string {
  const address = !host || host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "[::1]" : host.includes(":") ? `[${host}]` : host;
  return `${tls ? "https" : "http"}://${address}:${port}`;
}

if (isEntry(import.meta)) void serve(process.argv.slice(2));
