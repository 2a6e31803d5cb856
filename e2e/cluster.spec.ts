// A node on Redis (issue 17, docs/scaling.md) whose Redis stops answering (stopped, or a network
// that drops its packets: no connection closes): its panels keep the telegraph as it last was and
// say, a few seconds in, that their live updates are paused and since when, instead of a page that
// looks live; once Redis answers again they are live, with the next order.
import { type TestRedis, startRedis } from "../test/support/redis-server";
import { test as base, expect } from "./fixtures";

const test = base.extend<{ redis: TestRedis }>({
  // Playwright reads what a fixture needs from its first parameter's pattern: nothing here.
  // eslint-disable-next-line no-empty-pattern
  redis: async ({}, use) => {
    const redis = await startRedis();
    await use(redis);
    redis.process().child.kill("SIGCONT");
    await redis.stop();
  },
  serverFlags: async ({ redis }, use) => use(["--redis", redis.url]),
});

test("with Redis not answering the panel says its live updates are paused since when, and is live again after", async ({
  telegraph,
  redis,
  openPanel,
}) => {
  const panel = await openPanel();
  await telegraph.order("7"); // read by the node once it holds the telegraph's lease
  await expect(panel.getByTestId("order")).toContainText("COFFEE");

  redis.process().child.kill("SIGSTOP");
  // Taken on the lease the node holds for a moment more: the panels get it, Redis never does.
  await telegraph.order("8");
  await expect(panel.getByTestId("order")).toContainText("LUNCH");
  // The node stops writing once its lease may have run out, and sends its panels what it holds
  // now, then (later: Redis is late by a second, then 2 s more) that they are paused.
  await telegraph.server.waitFor(/this node is no longer the writer/, { seen: true });
  const connection = panel.getByTestId("connection");
  await expect(connection).toHaveAttribute("data-state", "paused");
  await expect(connection).toHaveText(/^live updates paused since \d\d:\d\d$/);
  await expect(panel.getByTestId("answer-help")).toHaveText(/^Answering waits until live updates are back/);
  // Still the last order the node took, not the older one Redis holds.
  await expect(panel.getByTestId("order")).toContainText("LUNCH");

  redis.process().child.kill("SIGCONT");
  await expect(connection).toHaveText("connected");
  await telegraph.order("9");
  await expect(panel.getByTestId("order")).toContainText("EWW");
  expect(panel.errors).toEqual([]);
});
