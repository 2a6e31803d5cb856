// `npm start` under a supervisor (systemd, a container, a terminal's Ctrl-C): the signal goes to
// the whole process group, npm's and the server's, and npm's exit status is what the supervisor
// sees. The script execs node (a shell in between would die of the signal) and the server acts on
// the signal once, though npm passes its own copy on.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { afterEach, expect, it } from "vitest";
import { tempDir } from "./support/files";
import { getJson } from "./support/http";
import { listeningOn, messageOf, spawnReady } from "./support/spawn";
import { tracker } from "./support/track";
import { waitFor, within } from "./support/wait";

const track = tracker();
afterEach(() => track.cleanup());

const root = path.resolve(import.meta.dirname, "..");

/** Whether any process of the group is left. */
const groupAlive = (pgid: number) => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
};

it("npm start serves the panel, and exits 0 within 5 s of SIGTERM to its process group", { timeout: 60_000 }, async () => {
  // npm start builds a stale panel first: not here, in the middle of the suite (npm test builds before it).
  const check = spawnSync(process.execPath, ["scripts/build-if-needed.mjs", "--check"], { cwd: root, encoding: "utf8" });
  expect(check.status, `${check.stdout.trim()} Run node scripts/build-if-needed.mjs first.`).toBe(0);

  const dir = track.dir(await tempDir());
  const logs: string[] = [];
  const npm = track.child(
    spawnReady(["npm", "start", "--", "--port", "0", "--host", "127.0.0.1", "--data-dir", dir], listeningOn, {
      what: "npm start to listen",
      group: true,
      onLine: (line) => logs.push(messageOf(line)),
    }),
  );
  const url = await npm.ready;
  const page = await fetch(`${url}/`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain("<html");
  expect((await getJson(`${url}/healthz`)).status).toBe(200);

  const signalled = performance.now();
  npm.kill("SIGTERM");
  expect(await within(npm.exited, "npm to exit", 5000), logs.join("\n")).toEqual([0, null]);
  const took = performance.now() - signalled;
  expect(logs.filter((line) => line.startsWith("SIGTERM"))).toEqual(["SIGTERM: telling panels and shutting down"]);
  await waitFor(() => !groupAlive(npm.pid), "every process of the group to be gone", 5000 - took);
});
