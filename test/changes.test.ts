// Changes on the wire against a running server: the snapshot on connect, then each change alone in
// version order; a client that missed one, or holds another store's, asks and gets the snapshot; a
// plain socket.io client follows the telegraph with the few lines docs/protocol.md shows.
import { readFileSync, writeFileSync } from "node:fs";
import { type Socket, io } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import { follower } from "../lib/change";
import type { Change, ClientToServer, ServerToClient, Snapshot } from "../lib/protocol";
import { SNAPSHOTS_PER_SECOND } from "../server/gateway/socket";
import { startServer } from "./support/server";
import { spawnLines } from "./support/spawn";
import { tracker } from "./support/track";
import { waitFor, within } from "./support/wait";

const track = tracker();
afterEach(() => track.cleanup());

type Raw = Socket<ServerToClient, ClientToServer>;

/** A client that keeps what came, in order: each `state`, each `change`, and each text frame's size. */
async function rawClient(url: string) {
  const client: Raw = io(url, { transports: ["websocket"], reconnection: false, forceNew: true });
  track.client({ client });
  const came: ({ state: Snapshot } | { change: Change })[] = [];
  const frames: string[] = [];
  client.on("state", (state) => came.push({ state }));
  client.on("change", (change) => came.push({ change }));
  // engine.io's message packets: socket.io's text as it came on the wire, after engine.io's "4".
  client.io.on("open", () =>
    client.io.engine.on("packet", ({ type, data }) => type === "message" && typeof data === "string" && frames.push(`4${data}`)),
  );
  const [first] = await within(new Promise<Snapshot[]>((resolve) => client.once("state", (s) => resolve([s]))), "the snapshot on connect");
  return { client, came, frames, first };
}

/** Follows the server from `held` as the panel does (lib/change.ts), but for the changes `lost`: every snapshot it shows. */
function following(client: Raw, held: Snapshot, lost: (change: Change) => boolean = () => false): Snapshot[] {
  const shown: Snapshot[] = [];
  const f = follower(
    (reply) => client.emit("snapshot", {}, reply),
    (s) => shown.push(s),
  );
  f.state(held);
  client.on("change", (change) => !lost(change) && f.change(change));
  client.on("state", f.state);
  return shown;
}

/** The next change this client receives that satisfies the test. */
const changeWhere = (client: Raw, test: (c: Change) => boolean) =>
  within(
    new Promise<Change>((resolve) => {
      const check = (c: Change) => test(c) && (client.off("change", check), resolve(c));
      client.on("change", check);
    }),
    "the change",
  );

describe("changes", () => {
  it("after the snapshot on connect, each order and answer comes alone, one version after the last, in a few hundred bytes", async () => {
    const server = track.server(await startServer());
    const { client, came, frames, first } = await rawClient(server.url);
    expect(first).toMatchObject({ epoch: expect.stringMatching(/^[0-9a-f]{32}$/), version: expect.any(Number), face: expect.any(Array) });

    const ordered = changeWhere(client, (c) => "order" in c);
    writeFileSync(server.statusFile, "11\n");
    expect(await ordered).toEqual({
      version: first.version + 1,
      epoch: first.epoch,
      order: expect.objectContaining({ position: 11, label: "BATTLE STATIONS" }),
    });
    const frame = frames.find((f) => f.startsWith('42["change"') && f.includes('"order"'))!;
    expect(frame.length, frame).toBeLessThan(300);

    const answered = changeWhere(client, (c) => "answer" in c);
    expect(await client.emitWithAck("answer", { position: 11 })).toEqual({ ok: true });
    expect(await answered).toEqual({
      version: first.version + 2,
      epoch: first.epoch,
      answer: expect.objectContaining({ position: 11 }),
      answered: 1,
      acknowledged: true,
    });
    expect(came.map((c) => ("state" in c ? "state" : Object.keys(c.change).at(-1)))).toEqual(["state", "order", "acknowledged"]);
  });

  it("a client that missed a change asks, gets the snapshot in line, and follows on from it", async () => {
    const server = track.server(await startServer());
    const { client, first } = await rawClient(server.url);
    const lost = first.version + 1; // as if the network had lost it
    const shown = following(client, first, (change) => change.version === lost);

    writeFileSync(server.statusFile, "3\n"); // version +1: lost
    await changeWhere(client, (c) => c.version === lost);
    const asked = within(new Promise<Snapshot>((resolve) => client.once("state", resolve)), "the snapshot asked for");
    writeFileSync(server.statusFile, "4\n"); // version +2: a gap
    expect(await asked).toMatchObject({ version: first.version + 2, order: { position: 4 } });
    writeFileSync(server.statusFile, "5\n");
    await waitFor(() => shown.at(-1)?.order?.position === 5, "the next order followed");
    expect(shown.map((s) => [s.version - first.version, s.order?.position])).toEqual([
      [0, first.order?.position],
      [2, 4],
      [3, 5],
    ]);
    expect(shown.at(-1)).toEqual(await (await fetch(`${server.url}/api/state`)).json().then(({ presence: _, ...s }) => s));
  });

  it("a client holding another store's snapshot (another epoch) asks for this one", async () => {
    const server = track.server(await startServer());
    const { client, first } = await rawClient(server.url);
    const shown = following(client, { ...first, epoch: "0".repeat(32), version: first.version + 1 }); // what it kept from another data folder
    writeFileSync(server.statusFile, "9\n");
    await waitFor(() => shown.at(-1)?.epoch === first.epoch, "this server's snapshot");
    expect(shown.at(-1)).toMatchObject({ version: first.version + 1, order: { position: 9 } });
  });

  it("the snapshot is given on request to a well-formed ask, at most a few a second", async () => {
    const server = track.server(await startServer());
    const { client } = await rawClient(server.url);
    expect(await client.emitWithAck("snapshot", "all" as never)).toEqual({ ok: false, error: "expected an empty object {}" });
    const replies = [];
    for (let i = 0; i <= SNAPSHOTS_PER_SECOND; i++) replies.push(await client.emitWithAck("snapshot", {}));
    expect(replies.at(0)).toEqual({ ok: true });
    expect(replies.at(-1)).toEqual({ ok: false, error: `too many requests: at most ${SNAPSHOTS_PER_SECOND} a second` });
  });

  it("a plain socket.io client follows the telegraph with the lines in docs/protocol.md", async () => {
    const example = readFileSync("docs/follow.mjs", "utf8");
    expect(readFileSync("docs/protocol.md", "utf8")).toContain(example.slice(example.indexOf("import")));
    const server = track.server(await startServer());
    const said: string[] = [];
    const follow = track.child(spawnLines([process.execPath, "docs/follow.mjs", server.url], (line) => said.push(line)));
    await follow.until(() => said.length > 0, "the snapshot on connect");
    writeFileSync(server.statusFile, "7\n");
    await follow.until(() => said.at(-1)?.endsWith(": COFFEE") === true, "the order followed");
    const { client } = await rawClient(server.url);
    expect(await client.emitWithAck("order", { position: "lunch", by: "Ann" })).toEqual({ ok: true });
    await follow.until(() => said.at(-1)?.endsWith(": LUNCH from Ann") === true, "the next order followed");
    const seq = (line: string) => Number(/^order (\d+)/.exec(line)?.[1]);
    expect(seq(said.at(-1)!)).toBe(seq(said.at(-2)!) + 1);
  });
});
