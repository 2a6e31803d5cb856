// Who listens, across nodes (issue 17): each node's panels see the people on every node, the
// receipts of every node's panels, and an order for everyone needs an answer from each person
// listening on any node, counted once however many panels and nodes they have.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import type { Presence } from "../lib/protocol";
import { clusterSuite } from "./support/cluster";
import { type Client, lastPresence, stateWhere } from "./support/panels";
import { waitFor } from "./support/wait";

const suite = clusterSuite();
const FACE = [
  { position: 1, name: "all-hands", label: "ALL HANDS", quorum: "everyone" },
  { position: 2, name: "stop", label: "STOP" },
];

// After the suite's, which makes the test's folder.
beforeEach(() => writeFileSync(path.join(suite.dir(), "face.json"), JSON.stringify(FACE)));

const node = () => suite.node(["--face", path.join(suite.dir(), "face.json")]);

/** A panel of `server` that said hello as `name`, once it holds the writer's snapshot. */
async function panelOf(server: { url: string }, name: string, panel: string): Promise<Client> {
  const client = await suite.panelOf(server);
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
    await suite.writerOf([a, b]);
    // Ann on both nodes (the same person: her name, from the same address), Bob on one.
    const onA = await panelOf(a, "Ann", "panel-ann-on-a");
    const onB = [await panelOf(b, "Bob", "panel-bob-on-b"), await panelOf(b, "Ann", "panel-ann-on-b")];
    for (const panel of [onA, ...onB]) {
      const seen = await presenceWhere(panel, (p) => p.panels === 3, "the three panels, on every node");
      expect(here(seen)).toEqual({ Ann: 2, Bob: 1 });
    }

    // An order for everyone needs the two people listening, whichever node is the writer.
    const needs = [onA, ...onB].map((panel) => stateWhere(panel, (s) => s.order?.position === 1));
    suite.status(1);
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
