#!/usr/bin/env node
// `chadburn`: the server, the simulator, a running server's API, people and tokens (server/cli.ts).
// TypeScript runs through tsx, like the server.
import { register } from "tsx/esm/api";

register();
const { run } = await import("../server/cli.ts");
process.exitCode = await run(process.argv.slice(2));
