// The nodes' data folder is theirs alone (server/store/held.ts): a server started on it without
// --redis is refused while they run, as a node is on the folder of a server that is not one.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { clusterSuite } from "./support/cluster";
import { spawnServer } from "./support/processes";

const { track, redis, dir, node, writerOf } = clusterSuite();

/** The server as people start it (npm start), without its panel, on the test's data folder: its exit code and last line. */
async function refused(args: string[]): Promise<{ code: number; line: string | undefined }> {
  const command = ["--import", "tsx", "server/main.ts", "--headless", "--port", "0", "--host", "127.0.0.1", "--data-dir", data(), ...args];
  const error = await promisify(execFile)(process.execPath, command).then(
    () => expect.unreachable("it started"),
    (e: { code: number; stderr: string }) => e,
  );
  return { code: error.code, line: error.stderr.trim().split("\n").at(-1) };
}
const data = () => path.join(dir(), "data");

describe("the nodes' data folder", { timeout: 60_000 }, () => {
  it("refuses a server without --redis while nodes serve from it; another node is welcome", async () => {
    const nodes = [await node()];
    await writerOf(nodes);
    expect(await refused([])).toEqual({
      code: 1,
      line: `chadburn: the data folder ${data()} is in use by another Chadburn server: stop that one first (several nodes of one server: --redis, docs/scaling.md)`,
    });
    nodes.push(await node());
    expect(await writerOf(nodes)).toBe(nodes[0]);
  });

  it("refuses a node on the folder of a server that is not one", async () => {
    track.server(await spawnServer(data(), { args: ["--anonymous", "bridge"] }));
    expect(await refused(["--redis", redis().url])).toEqual({
      code: 1,
      line: `chadburn: the data folder ${data()} is in use by a Chadburn server that is not a node on Redis: stop it, or start it with --redis too (several nodes of one server: --redis, docs/scaling.md)`,
    });
  });
});
