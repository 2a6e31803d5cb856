// Web Push with several nodes (issue 17): a browser that subscribed through any node gets each
// order's push once, from the telegraph's writer, and from the new writer after a takeover.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { tempDir } from "./support/files";
import { type ServerProcess, spawnServer } from "./support/processes";
import { PushService } from "./support/push-service";
import { subscribe } from "./support/push";
import { type TestRedis, startRedis } from "./support/redis-server";
import { tracker } from "./support/track";
import { waitFor } from "./support/wait";

const track = tracker();
let redis: TestRedis;
let service: PushService;
let dir: string;
const WRITER = 'this node is the writer of the telegraph "default"';

beforeAll(async () => {
  [redis, service] = await Promise.all([startRedis(), PushService.start()]);
});
beforeEach(async () => {
  dir = track.dir(await tempDir());
});
afterEach(() => track.cleanup());
afterAll(() => Promise.all([redis.stop(), service.close()]));

async function node(): Promise<ServerProcess> {
  const args = ["--redis", redis.url, "--anonymous", "bridge"];
  return track.server(await spawnServer(path.join(dir, "data"), { args, env: { CHADBURN_TEST_PUSH_LOOPBACK: "1" } }));
}

describe("Web Push across nodes", { timeout: 60_000 }, () => {
  it("pushes each order once, from the writer, to a browser that subscribed through another node", async () => {
    const nodes = await Promise.all([node(), node()]);
    const writer = await waitFor(() => nodes.find((n) => n.logs.includes(WRITER)), "a writer", 10_000);
    const other = nodes.find((n) => n !== writer)!;
    const browser = await subscribe(other, service.subscribe());
    const status = (position: number) => writeFileSync(path.join(dir, "data", "status.eot"), `${position}\n`);
    const pushed = () => browser.received.map(({ payload }) => [payload.seq, payload.position]);

    status(7);
    await browser.push(1);
    status(8);
    await browser.push(2);
    // A second push of 7 or 8, from another node, would have come before this one.
    process.kill(writer.pid, "SIGKILL");
    await waitFor(() => other.logs.includes(WRITER) || null, "the other node writes", 8000);
    status(9);
    await browser.push(3);
    expect(pushed()).toEqual([
      [1, 7],
      [2, 8],
      [3, 9],
    ]);
    expect(browser.requests).toBe(3);
  });
});
