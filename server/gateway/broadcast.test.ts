// emitInTurns on panels whose WebSocket is a stand-in: each turn of the event loop writes the frame
// to the next hundred panels, the others wait; a panel gone since it began gets nothing written.
import type { Server } from "socket.io";
import { describe, expect, it } from "vitest";
import type { ServerToClient } from "../../lib/protocol";
import { PANELS_PER_TURN, emitInTurns } from "./broadcast";

class Sender {
  frames: string[] = [];
  static frame = (data: Buffer) => [data];
  sendFrame(frame: Buffer[]) {
    this.frames.push(Buffer.concat(frame).toString());
  }
}

function panels(n: number) {
  const sockets = new Map(
    Array.from({ length: n }, (_, i) => {
      const sender = new Sender();
      const conn = {
        readyState: "open",
        writeBuffer: [],
        transport: { name: "websocket", writable: true, socket: { bufferedAmount: 0, _sender: sender } },
      };
      return [`p${i}`, { id: `p${i}`, conn, sender }] as const;
    }),
  );
  const queued: string[][] = [];
  const io = {
    of: () => ({ sockets }),
    to: (ids: string[]) => ({ emit: () => queued.push(ids) }),
  } as unknown as Pick<Server<never, ServerToClient>, "of" | "to">;
  const written = () => [...sockets.values()].filter((s) => s.sender.frames.length).length;
  return { io, sockets, written, queued };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));
const presence = { panels: 250, unnamed: 250, people: [], receipts: null };

describe("emitInTurns", () => {
  it("writes to a hundred panels per turn of the event loop until every panel has it, once", async () => {
    const { io, sockets, written } = panels(250);
    emitInTurns(io, "presence", presence);
    expect(written()).toBe(PANELS_PER_TURN); // the rest wait for the next turns: an order may come first
    await turn();
    expect(written()).toBe(2 * PANELS_PER_TURN);
    await turn();
    expect(written()).toBe(250);
    for (const { sender } of sockets.values()) expect(sender.frames).toEqual([`42${JSON.stringify(["presence", presence])}`]);
  });

  it("skips a panel gone meanwhile, and stops where it is when told", async () => {
    const { io, sockets, written, queued } = panels(250);
    const stop = emitInTurns(io, "presence", presence);
    sockets.get("p150")!.conn.readyState = "closed";
    await turn();
    expect(written()).toBe(2 * PANELS_PER_TURN - 1);
    expect(queued).toEqual([["p150"]]); // left to socket.io, which has nothing to send it to
    stop();
    await turn();
    expect(written()).toBe(2 * PANELS_PER_TURN - 1);
  });
});
