// The MQTT bridge (issue 18, docs/home-assistant.md) in Chromium: an order given over MQTT, with
// the token made as the docs say, reaches the panel, and the panel's answer reaches the broker.
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import mqtt from "mqtt";
import { type TestBroker, startBroker } from "../test/support/mosquitto";
import { test as base, expect } from "./fixtures";

const test = base.extend<{ broker: TestBroker }>({
  // Playwright reads what a fixture needs from its first parameter's pattern: nothing here.
  // eslint-disable-next-line no-empty-pattern
  broker: async ({}, use) => {
    const dir = await mkdtemp(path.join(tmpdir(), "chadburn-mosquitto-"));
    const broker = await startBroker(dir);
    await use(broker);
    await broker.stop();
    await rm(dir, { recursive: true, force: true });
  },
  serverFlags: async ({ broker }, use) => use(["--mqtt", broker.url]),
});

test("a panel follows an order given over MQTT, and its answer reaches the broker", async ({ telegraph, broker, openPanel }) => {
  // The bridge's token, made with the command as docs/home-assistant.md says; the server started again with it.
  const made = execFileSync(
    process.execPath,
    ["bin/chadburn.mjs", "token", "create", "--name", "home-assistant", "--role", "bridge", "--data-dir", telegraph.dir],
    {
      encoding: "utf8",
    },
  );
  await telegraph.server.stop();
  telegraph.flags.push("--mqtt-token", /^chadburn_\S+$/m.exec(made)![0]);
  await telegraph.startServer();

  const ann = await openPanel({ name: "Ann" });
  const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
  try {
    const answer = new Promise<{ position: number; by: string }>((resolve) =>
      client.on(
        "message",
        (topic, payload) => topic === "chadburn/default/answer" && payload.toString() !== "null" && resolve(JSON.parse(payload.toString())),
      ),
    );
    await client.subscribeAsync("chadburn/default/answer", { qos: 1 });
    await client.publishAsync("chadburn/default/order/set", "COFFEE", { qos: 1 });
    await expect(ann.getByTestId("order")).toContainText("COFFEE — sent by home-assistant over MQTT");
    await expect.poll(() => telegraph.read(telegraph.statusFile)).toBe("7\n"); // the telegraph has it too

    await ann.getByRole("button", { name: "COFFEE", exact: true }).click();
    expect(await answer).toMatchObject({ position: 7, by: "Ann" });
  } finally {
    await client.endAsync();
  }
  expect(ann.errors).toEqual([]);
});
