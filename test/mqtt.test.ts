// The MQTT bridge (issue 18) against a real mosquitto on loopback: each telegraph's state,
// retained, as it changes; orders and answers from `…/set` with the bridge's token; a retained
// command never acted on; an unknown position refused and the state said again; "online", and
// "offline" when the server stops or dies; the broker gone and back.
import { readFileSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import mqtt from "mqtt";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_FACE, unknownPosition } from "../lib/face";
import { q, removeDir, sh, tempDir } from "./support/files";
import { auditOf } from "./support/accounts";
import { type TestBroker, startBroker } from "./support/mosquitto";
import { connect, stateWhere } from "./support/panels";
import { spawnServer } from "./support/processes";
import { token } from "./support/secrets";
import { startServer } from "./support/server";
import { tracker } from "./support/track";
import { waitFor, within } from "./support/wait";

const track = tracker();
let broker: TestBroker;
let brokerDir: string;
beforeAll(async () => {
  brokerDir = await tempDir();
  broker = await startBroker(brokerDir);
});
afterEach(() => track.cleanup());
afterAll(async () => {
  await broker.stop();
  await removeDir(brokerDir);
});

interface Heard {
  topic: string;
  payload: string;
  retain: boolean;
}

/** A client of the broker that hears everything under chadburn/ and homeassistant/ (retained messages first). */
async function listener() {
  const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
  const heard: Heard[] = [];
  client.on("message", (topic, payload, packet) => heard.push({ topic, payload: payload.toString(), retain: packet.retain }));
  await client.subscribeAsync(["chadburn/#", "homeassistant/#"], { qos: 1 });
  track.child({ stop: () => client.endAsync() });
  return {
    client,
    heard,
    /** The first message on `topic` saying `payload` from the `from`-th heard on. */
    said: (topic: string, payload: string | RegExp, from = 0) =>
      waitFor(
        () => heard.slice(from).find((m) => m.topic === topic && (typeof payload === "string" ? m.payload === payload : payload.test(m.payload))),
        `${topic} ${payload}`,
      ),
  };
}

/** A server with the bridge, acting with a new token of `role` (none: it only tells). */
async function bridged(role?: "bridge" | "viewer") {
  const dir = track.dir(await tempDir());
  const secret = role && token({ dir }, "home-assistant", role);
  return track.server(await startServer({ dir, mqtt: { url: broker.url, prefix: "chadburn", ...(secret && { token: secret }) } }));
}

const publish = async (topic: string, payload: string, retain = false) => {
  const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
  await client.publishAsync(topic, payload, { qos: 1, retain });
  await client.endAsync();
};

describe("the MQTT bridge", { timeout: 30_000 }, () => {
  it("tells each telegraph's state, retained, as it changes, and says online, and offline when the server stops", async () => {
    const server = await bridged();
    const heard = await listener();
    await heard.said("chadburn/availability", "online");
    await heard.said("chadburn/default/availability", "online"); // a status file is always there
    await heard.said("chadburn/default/order", "null");
    const from = heard.heard.length;
    writeFileSync(server.statusFile, "7\n");
    await heard.said("chadburn/default/order/name", "COFFEE", from);
    const order = JSON.parse((await heard.said("chadburn/default/order", /position/, from)).payload);
    expect(order).toMatchObject({ position: 7, label: "COFFEE", source: "telegraph" });
    expect((await heard.said("chadburn/default/acknowledged", "false", from)).retain).toBe(false); // live, to a client already there

    const { client: panel } = track.client(await connect(server.url));
    const answered = heard.heard.length;
    expect(await panel.emitWithAck("answer", { position: 7, by: "Ann" })).toEqual({ ok: true });
    expect(JSON.parse((await heard.said("chadburn/default/answer", /position/, answered)).payload)).toMatchObject({ position: 7, by: "Ann" });
    await heard.said("chadburn/default/acknowledged", "true", answered);

    // Retained: a client that comes now hears the state at once.
    const late = await listener();
    for (const [topic, payload] of [
      ["chadburn/default/order/name", "COFFEE"],
      ["chadburn/default/acknowledged", "true"],
    ])
      expect((await late.said(topic, payload)).retain).toBe(true);
    const stopping = heard.heard.length;
    await server.stop();
    await heard.said("chadburn/availability", "offline", stopping);
  });

  it("takes orders and answers from …/set with its token; never a retained command; an unknown position refused, the state said again", async () => {
    // Left on the broker before the server comes: heard when the bridge subscribes, and ignored.
    await publish("chadburn/default/order/set", "LUNCH", true);
    const server = await bridged("bridge");
    const { client: panel } = track.client(await connect(server.url));
    const heard = await listener();
    await heard.said("chadburn/availability", "online");
    await waitFor(
      () => server.logs.find((line) => line.includes("ignored a retained command on chadburn/default/order/set")),
      "the retained command ignored",
    );
    await publish("chadburn/default/order/set", "", true); // the broker forgets it

    const coffee = stateWhere(panel, (s) => s.order?.position === 7);
    await publish("chadburn/default/order/set", "COFFEE");
    expect((await within(coffee, "COFFEE from MQTT")).order).toMatchObject({ position: 7, seq: 1, source: "mqtt", by: "home-assistant" });
    await waitFor(async () => (await readFile(server.statusFile, "utf8")) === "7\n" || null, "7 in the status file");

    // The audit log names the token and the bridge: who gave it, and through what.
    expect(auditOf(server).find((entry) => entry.action === "order")).toMatchObject({
      who: "token home-assistant",
      address: expect.stringMatching(/^mqtt chadburn-[0-9a-f]{8}$/),
    });

    const answered = stateWhere(panel, (s) => s.answer?.position === 7);
    await publish("chadburn/default/answer/set", "7");
    expect((await within(answered, "the answer from MQTT")).acknowledged).toBe(true);

    await heard.said("chadburn/default/acknowledged", "true"); // the answer's messages are in
    const from = heard.heard.length;
    await publish("chadburn/default/order/set", "TEATIME");
    const refused = await waitFor(() => server.logs.find((line) => line.includes('"TEATIME" refused')), "TEATIME refused");
    expect(refused).toContain(`refused: ${unknownPosition(DEFAULT_FACE, "TEATIME")}`);
    await heard.said("chadburn/default/order/name", "COFFEE", from); // said again, unchanged
  });

  it("without a token only tells: a command is refused, the state said again", async () => {
    const server = await bridged();
    const heard = await listener();
    await heard.said("chadburn/availability", "online");
    const from = heard.heard.length;
    await publish("chadburn/default/order/set", "STOP");
    await heard.said("chadburn/default/order/name", "", from);
    await waitFor(() => server.logs.find((line) => line.includes("give it an API token")), "the refusal logged");
  });

  it("says offline when the server dies (kill -9): the Last Will", async () => {
    const dir = track.dir(await tempDir());
    const server = track.server(await spawnServer(path.join(dir, "data"), { args: ["--mqtt", broker.url] }));
    const heard = await listener();
    await heard.said("chadburn/availability", "online");
    const from = heard.heard.length;
    process.kill(server.pid, "SIGKILL");
    await within(heard.said("chadburn/availability", "offline", from), "the Last Will", 5000);
  });

  it("rides out the broker stopped and started again empty: /healthz says so, then every topic said again, once", async () => {
    const server = await bridged();
    writeFileSync(server.statusFile, "7\n");
    const before = await listener();
    await before.said("chadburn/default/order/name", "COFFEE");
    await broker.stop();
    const health = async () => (await (await fetch(`${server.url}/healthz`)).json()) as { status: string; mqtt: { broker: string } };
    await waitFor(async () => ((await health()).mqtt.broker === "not connected" ? true : null), "/healthz: the broker does not answer");
    expect((await health()).status).toBe("degraded");
    writeFileSync(server.statusFile, "8\n"); // an order meanwhile

    await broker.restart();
    await waitFor(async () => ((await health()).mqtt.broker === "connected" ? true : null), "/healthz: connected again", 10_000);
    const after = await listener();
    await after.said("chadburn/default/order/name", "LUNCH");
    const counts = new Map<string, number>();
    for (const { topic } of after.heard) counts.set(topic, (counts.get(topic) ?? 0) + 1);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(server.logs.filter((line) => line.includes("does not answer"))).toHaveLength(1);
  });
  it("is discovered by Home Assistant: a device with the order's select, an Answer button and the last answer; told again when it comes back", async () => {
    const server = await bridged("bridge");
    const heard = await listener();
    const config = async (topic: string, from = 0) => JSON.parse((await heard.said(`homeassistant/${topic}/config`, /unique_id/, from)).payload);
    const id = "chadburn_chadburn_default";
    const device = { identifiers: [id], name: "Chadburn Telegraph", manufacturer: "Chadburn", model: "Engine order telegraph" };
    expect(await config(`select/${id}_order`)).toMatchObject({
      state_topic: "chadburn/default/order/name",
      command_topic: "chadburn/default/order/set",
      options: DEFAULT_FACE.map((p) => p.label),
      // Available while the bridge is, and the telegraph too.
      availability: [{ topic: "chadburn/availability" }, { topic: "chadburn/default/availability" }],
      availability_mode: "all",
      device,
    });
    expect(await config(`button/${id}_answer`)).toMatchObject({ command_topic: "chadburn/default/answer/set", payload_press: "current", device });
    expect(await config(`sensor/${id}_last_answer`)).toMatchObject({
      state_topic: "chadburn/default/answer",
      json_attributes_topic: "chadburn/default/answer",
    });

    // The button: the current order answered, whichever it is; the sensor's topic says how long it waited.
    writeFileSync(server.statusFile, "8\n");
    await heard.said("chadburn/default/order/name", "LUNCH");
    const from = heard.heard.length;
    await publish("chadburn/default/answer/set", "current");
    const answer = JSON.parse((await heard.said("chadburn/default/answer", /position/, from)).payload);
    expect(answer).toMatchObject({ position: 8, label: "LUNCH", by: "home-assistant", waitedSeconds: expect.any(Number) });

    // Home Assistant restarted (its birth message): everything said again.
    const reborn = heard.heard.length;
    await publish("homeassistant/status", "online");
    await config(`select/${id}_order`, reborn);
    await heard.said("chadburn/default/order/name", "LUNCH", reborn);
  });

  it("empties the discovery of a telegraph it no longer serves: Home Assistant forgets it", async () => {
    const gone = "homeassistant/select/chadburn_chadburn_workshop_order/config";
    await publish(gone, JSON.stringify({ unique_id: "chadburn_chadburn_workshop_order" }), true); // from a day it served "workshop"
    const heard = await listener();
    await bridged();
    await heard.said(gone, "");
    await publish(gone, "", true); // tidy, whatever happened
  });
  it("reaches a broker that wants a client certificate (mqtts://, --mqtt-cert, --mqtt-key, --mqtt-ca)", async () => {
    const dir = track.dir(await tempDir());
    const file = (name: string) => path.join(dir, name);
    // The broker's certificate for 127.0.0.1, and the bridge's own, each its own authority.
    const selfSigned = (name: string, subject: string, more = "") =>
      sh(
        `/usr/bin/openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj ${subject} ${more} -keyout ${q(file(`${name}-key.pem`))} -out ${q(file(`${name}.pem`))} 2>&1`,
      );
    await selfSigned("broker", "/CN=localhost", '-addext "subjectAltName=IP:127.0.0.1"');
    await selfSigned("bridge", "/CN=home-assistant");
    const secured = await startBroker(dir, { cafile: file("bridge.pem"), certfile: file("broker.pem"), keyfile: file("broker-key.pem") });
    track.child(secured);
    const flags = ["--mqtt", secured.url, "--mqtt-cert", file("bridge.pem"), "--mqtt-key", file("bridge-key.pem"), "--mqtt-ca", file("broker.pem")];
    const server = track.server(await spawnServer(path.join(dir, "data"), { args: flags }));
    const tls = { cert: readFileSync(file("bridge.pem")), key: readFileSync(file("bridge-key.pem")), ca: readFileSync(file("broker.pem")) };
    const client = await mqtt.connectAsync(secured.url, { ...tls, reconnectPeriod: 0 });
    track.child({ stop: () => client.endAsync() });
    const online = new Promise((resolve) =>
      client.on("message", (topic, payload) => topic === "chadburn/availability" && resolve(payload.toString())),
    );
    await client.subscribeAsync("chadburn/availability", { qos: 1 });
    expect(await within(online, "online, over TLS")).toBe("online");
    expect(((await (await fetch(`${server.url}/healthz`)).json()) as { mqtt: unknown }).mqtt).toEqual({ broker: "connected" });
    // Without a certificate the broker lets no one in.
    await expect(mqtt.connectAsync(secured.url, { ca: tls.ca, reconnectPeriod: 0, connectTimeout: 3000 })).rejects.toThrow();
  });
});
