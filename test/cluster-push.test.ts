// Web Push with several nodes (issue 17): a browser that subscribed through any node gets each
// order's push once, from the telegraph's writer, and from the new writer after a takeover.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WRITER, clusterSuite } from "./support/cluster";
import { PushService } from "./support/push-service";
import { subscribe } from "./support/push";
import { waitFor } from "./support/wait";

const suite = clusterSuite();
const { writerOf, status } = suite;
let service: PushService;

beforeAll(async () => {
  service = await PushService.start();
});
afterAll(() => service.close());

const PUSH_LOOPBACK = { CHADBURN_TEST_PUSH_LOOPBACK: "1" };

describe("Web Push across nodes", { timeout: 60_000 }, () => {
  it("pushes each order once, from the writer, to a browser that subscribed through another node", async () => {
    const nodes = await suite.startNodes(2, [], PUSH_LOOPBACK);
    const writer = await writerOf(nodes);
    const other = nodes.find((n) => n !== writer)!;
    const browser = await subscribe(other, service.subscribe());
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
