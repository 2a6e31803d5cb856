// Who listens, across nodes (issue 17): each node's panels see the people on every node, the
// receipts of every node's panels, and an order for everyone needs an answer from each person
// listening on any node, counted once however many panels and nodes they have.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Presence } from "../lib/protocol";
import { tempDir } from "./support/files";
import { type Client, connect, lastPresence, stateWhere } from "./support/panels";
import { type ServerProcess, spawnServer } from "./support/processes";
import { type TestRedis, startRedis } from "./support/redis-server";
import { tracker } from "./support/track";
import { waitFor, within } from "./support/wait";

const track = tracker();
let redis: TestRedis;
let dir: string;
const WRITER = 'this node is the writer of the telegraph "default"';
const FACE = [
  { position: 1, name: "all-hands", label: "ALL HANDS", quorum: "everyone" },
  { position: 2, name: "stop", label: "STOP" },
];

beforeAll(async () => {
  redis = await startRedis();
});
beforeEach(async () => {
  dir = track.dir(await tempDir());
  writeFileSync(path.join(dir, "face.json"), JSON.stringify(FACE));
});
afterEach(() => track.cleanup());
afterAll(() => redis.stop());

async function node(): Promise<ServerProcess> {
  const args = ["--redis", redis.url, "--anonymous", "bridge", "--face", path.join(dir, "face.json")];
  return track.server(await spawnServer(path.join(dir, "data"), { args }));
}

/** A panel of `server` that said hello as `name`, once it holds the writer's snapshot. */
async function panelOf(server: { url: string }, name: string, panel: string): Promise<Client> {
  const { client, first } = track.client(await connect(server.url));
  if (!first.epoch)
    await within(
      stateWhere(client, (s) => !!s.epoch),
      "the writer's snapshot",
      10_000,
    );
  expect(await client.emitWithAck("hello", { panel, name })).toEqual({ ok: true });
  return client;
}

const presenceWhere = (client: Client, test: (p: Presence) => boolean, what: string) =>
  waitFor(() => {
    const presence = lastPresence(client);
    return presence && test(presence) ? presence : null;
  }, what);
const here = (p: Presence) => Object.fromEntries(p.people.filter((person) => person.panels > 0).map((person) => [person.name, person.panels]));

describe("who listens, across nodes", { timeout: 60_000 }, () => {
  it("every node's panels see the people and receipts of all, and an order for everyone counts each person once", async () => {
    const [a, b] = [await node(), await node()];
    await waitFor(() => [a, b].find((n) => n.logs.includes(WRITER)), "a writer", 10_000);
    // Ann on both nodes (the same person: her name, from the same address), Bob on one.
    const onA = await panelOf(a, "Ann", "panel-ann-on-a");
    const onB = [await panelOf(b, "Bob", "panel-bob-on-b"), await panelOf(b, "Ann", "panel-ann-on-b")];
    for (const panel of [onA, ...onB]) {
      const seen = await presenceWhere(panel, (p) => p.panels === 3, "the three panels, on every node");
      expect(here(seen)).toEqual({ Ann: 2, Bob: 1 });
    }

    // An order for everyone needs the two people listening, whichever node is the writer.
    const needs = [onA, ...onB].map((panel) => stateWhere(panel, (s) => s.order?.position === 1));
    writeFileSync(path.join(dir, "data", "status.eot"), "1\n");
    const given = await Promise.all(needs);
    for (const { order } of given) expect(order).toMatchObject({ position: 1, required: 2 });

    // Each panel's receipt is counted on every node.
    const seq = given[0].order!.seq;
    onA.emit("receipt", { seq, heard: "rang" });
    for (const panel of onB) panel.emit("receipt", { seq, heard: "delivered" });
    for (const panel of [onA, ...onB]) {
      const seen = await presenceWhere(panel, (p) => p.receipts?.delivered === 3, "three receipts, on every node");
      expect(seen.receipts).toEqual({ seq, delivered: 3, rang: 1, muted: 0, blocked: 0 });
    }

    // A node going away tells the others at once: its people are gone (Bob), or on fewer panels (Ann).
    await b.stop();
    const left = await presenceWhere(onA, (p) => p.panels === 1, "node b's panels gone");
    expect(here(left)).toEqual({ Ann: 1 });
    expect(left.people.find((person) => person.name === "Bob")?.panels).toBe(0);
  });
});
