// `npm start` builds the panel first when there is no production build, or when a source the
// build is made from is newer than it (with --check, says whether it would, building nothing).
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const SOURCES = ["app", "components", "lib", "public", "next.config.js", "package-lock.json", "tsconfig.json"];

function newest(p) {
  let stat;
  try {
    stat = statSync(p);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(p).map((name) => newest(path.join(p, name))));
}

const built = newest(path.join(root, ".next", "BUILD_ID"));
const changed = Math.max(...SOURCES.map((s) => newest(path.join(root, s))));
if (built && built >= changed) process.exit(0);
// --check: only says so (exit status 1), for a test that must not build.
if (process.argv.includes("--check")) {
  console.log(built ? "The panel's sources changed since the last build." : "No production build yet.");
  process.exit(1);
}

console.log(built ? "Sources changed since the last build: building the panel…" : "No production build yet: building the panel…");
const result = spawnSync("npx", ["next", "build"], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
});
process.exit(result.status ?? 1);
