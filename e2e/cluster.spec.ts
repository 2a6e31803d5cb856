// A node on Redis (issue 17, docs/scaling.md) whose Redis goes away: its panels keep the telegraph
// as it was and say, a few seconds in, that their live updates are paused and since when, instead
// of a page that looks live; once Redis is back they are live again, with the next order.
import { type TestRedis, startRedis } from "../test/support/redis-server";
import { test as base, expect } from "./fixtures";

const test = base.extend<{ redis: TestRedis }>({
  // Playwright reads what a fixture needs from its first parameter's pattern: nothing here.
  // eslint-disable-next-line no-empty-pattern
  redis: async ({}, use) => {
    const redis = await startRedis();
    await use(redis);
    await redis.stop();
  },
  serverFlags: async ({ redis }, use) => use(["--redis", redis.url]),
});

test("with Redis away the panel says its live updates are paused since when, and is live again after", async ({ telegraph, redis, openPanel }) => {
  const panel = await openPanel();
  await telegraph.order("7"); // read by the node once it holds the telegraph's lease
  await expect(panel.getByTestId("order")).toContainText("COFFEE");

  await redis.process().stop("SIGKILL");
  const connection = panel.getByTestId("connection");
  await expect(connection).toHaveAttribute("data-state", "paused");
  await expect(connection).toHaveText(/^live updates paused since \d\d:\d\d$/);
  await expect(panel.getByTestId("answer-help")).toHaveText(/^Answering waits until live updates are back/);
  await expect(panel.getByTestId("order")).toContainText("COFFEE"); // the last order, kept

  await redis.restart();
  await expect(connection).toHaveText("connected");
  await telegraph.order("8");
  await expect(panel.getByTestId("order")).toContainText("LUNCH");
  expect(panel.errors).toEqual([]);
});
