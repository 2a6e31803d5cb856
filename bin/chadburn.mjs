#!/usr/bin/env node
// `chadburn`: the management command (people, tokens). TypeScript runs through tsx, like the server.
import { register } from "tsx/esm/api";

register();
const { run } = await import("../server/cli.ts");
process.exitCode = run(process.argv.slice(2));
