// Broadcasts (server/gateway/broadcast.ts emitToAll): a panel on a WebSocket with nothing waiting
// gets each snapshot written straight to its socket, every other panel through socket.io's queue.
// Whichever way it goes, every panel gets every order, once, in order, and still gets the replies
// it asked for in between.
import { afterEach, describe, expect, it } from "vitest";
import type { Snapshot } from "../lib/protocol";
import { connect, record, seqOf } from "./support/panels";
import { startServer } from "./support/server";
import { tracker } from "./support/track";
import { waitFor, within } from "./support/wait";

const track = tracker();
afterEach(() => track.cleanup());

/** Orders one panel sends back to back: under the per-second limit (EVENTS_PER_SECOND). */
const ORDERS = [7, 3, 8, 11, 2, 9, 6, 1];

describe("broadcasts", () => {
  it("reach WebSocket and long-polling panels alike: every order, once, in order, with the sender's replies", async () => {
    const server = track.server(await startServer());
    const sender = track.client(await connect(server.url)).client;
    const panels = {
      websocket: track.client(await connect(server.url)).client,
      polling: track.client(await connect(server.url, { transports: ["polling"] })).client,
    };
    const seen = { sender: record(sender), websocket: record(panels.websocket), polling: record(panels.polling) };

    // Sent without waiting, so replies to the sender and snapshots to everyone interleave.
    const replies = await within(Promise.all(ORDERS.map((position) => sender.emitWithAck("order", { position }))), "the replies");
    expect(replies).toEqual(ORDERS.map(() => ({ ok: true })));
    const last = ORDERS.length;
    for (const [name, states] of Object.entries(seen))
      await waitFor(() => states.some((s) => seqOf(s) === last), `the last order on the ${name} panel`);

    for (const [name, states] of Object.entries(seen)) {
      const orders = states.filter((s: Snapshot, i) => i === 0 || seqOf(s) !== seqOf(states[i - 1]));
      expect(
        orders.map((s) => [seqOf(s), s.order?.position]),
        name,
      ).toEqual(ORDERS.map((position, i) => [i + 1, position]));
    }
  });
});
