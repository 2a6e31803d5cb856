// `npm start`: reads the settings, prepares Next, starts Chadburn and stops it cleanly on a signal.
import path from "node:path";
import next from "next";
import { startChadburn } from "./app";
import { ConfigError, loadConfig } from "./config";
import { createLogger } from "./log";

/** After a signal, panels are told and connections closed; past this the process exits anyway. */
const SHUTDOWN_MS = 4000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`chadburn: ${error.message}\n`);
    process.exit(2);
  }
  if (!config) return; // --help

  const log = createLogger(config.logLevel);
  // A bug in one handler must not take every panel down with it: log it and keep serving.
  process.on("unhandledRejection", (error) => log.error(`unhandled: ${(error as Error)?.stack ?? error}`));
  const web = next({ dev: config.dev, dir: path.resolve(import.meta.dirname, ".."), quiet: !config.dev });
  await web.prepare();
  const chadburn = await startChadburn(config, log, {
    request: web.getRequestHandler(),
    upgrade: web.getUpgradeHandler(),
    dev: config.dev,
  });
  log.info(`Chadburn listening on ${chadburn.url}${config.host ? "" : " (all interfaces)"}; status file ${config.statusFile}, accept file ${config.acceptFile}`);

  const stop = async (signal: string) => {
    log.info(`${signal}: telling panels and shutting down`);
    setTimeout(() => process.exit(0), SHUTDOWN_MS).unref();
    await chadburn.close("server restarting");
    await web.close();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: Error) => {
  process.stderr.write(`chadburn: ${error.message}\n`);
  process.exit(1);
});
