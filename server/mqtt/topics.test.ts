import { describe, expect, it } from "vitest";
import { DEFAULT_FACE } from "../../lib/face";
import type { Snapshot } from "../../lib/protocol";
import { discoveryMessages, stateMessages, topicsOf } from "./topics";

const topics = topicsOf("lab/chadburn");
const coffee = { position: 7, name: "coffee", label: "COFFEE", seq: 4, at: "2026-12-07T10:00:00.000Z", source: "telegraph" as const };
const snapshot = (over: Partial<Snapshot>) =>
  ({ order: null, answer: null, acknowledged: false, face: DEFAULT_FACE, telegraph: { link: "serial", connected: false }, ...over }) as Snapshot;

describe("the MQTT bridge's topics", () => {
  it("read a command from its topic: a number, or a name or label as given", () => {
    expect(topics.command("lab/chadburn/workshop/order/set", " 7 ")).toEqual({ slug: "workshop", type: "order", position: 7 });
    expect(topics.command("lab/chadburn/default/answer/set", "Coffee")).toEqual({ slug: "default", type: "answer", position: "Coffee" });
    for (const other of ["lab/chadburn/default/order", "lab/chadburn/a/b/order/set", "chadburn/default/order/set", "lab/chadburnX/default/order/set"])
      expect(topics.command(other, "7")).toBeNull();
  });

  it("say the state: the order, its label, the answer with how long the order waited, acknowledged, and whether the telegraph is there", () => {
    const answer = { position: 7, at: "2026-12-07T10:01:30.000Z", by: "Ann", seq: 4 };
    expect(Object.fromEntries(stateMessages(topics, "default", snapshot({ order: coffee, answer, acknowledged: true })))).toEqual({
      "lab/chadburn/default/order": JSON.stringify(coffee),
      "lab/chadburn/default/order/name": "COFFEE",
      "lab/chadburn/default/answer": JSON.stringify({ ...answer, label: "COFFEE", waitedSeconds: 90 }),
      "lab/chadburn/default/acknowledged": "true",
      "lab/chadburn/default/availability": "offline", // its serial line not connected
    });
    // An answer to an older order says no wait; none at all says null.
    const older = { position: 6, at: "2026-12-07T09:00:00.000Z", seq: 3 };
    expect(JSON.parse(stateMessages(topics, "default", snapshot({ order: coffee, answer: older }))[2][1])).toEqual({ ...older, label: "STOP" });
    expect(stateMessages(topics, "default", snapshot({}))[2][1]).toBe("null");
  });

  it("name this server's discovery configs, and find the telegraph of one", () => {
    const configs = discoveryMessages(topics, "workshop", "Workshop", DEFAULT_FACE).map(([topic]) => topic);
    expect(configs).toEqual([
      "homeassistant/select/chadburn_lab_chadburn_workshop_order/config",
      "homeassistant/button/chadburn_lab_chadburn_workshop_answer/config",
      "homeassistant/sensor/chadburn_lab_chadburn_workshop_last_answer/config",
    ]);
    expect(configs.map((topic) => topics.discoveredSlug(topic))).toEqual(["workshop", "workshop", "workshop"]);
    expect(topics.discoveredSlug("homeassistant/select/chadburn_chadburn_workshop_order/config")).toBeNull(); // another server's
    expect(topics.discoveredSlug("homeassistant/light/kitchen/config")).toBeNull();
  });
});
