// A panel that stops reading (a frozen process, a laptop asleep with its connection still up) has
// every broadcast queued for it in this process until the heartbeat gives up, up to 20 s later,
// and its socket then held 30 s more by a close handshake it never answers. Every snapshot carries
// the whole state, so a panel that far behind loses nothing by being dropped: it reconnects by
// itself and gets the current snapshot at once.
//
// And the other side of the same queue (performance): emitToAll writes a broadcast straight to the
// WebSocket of each panel nothing waits for, so that only the others go through the queue.
import type { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import type { Server } from "socket.io";
import type { ServerToClient } from "../../lib/protocol";
import type { Logger } from "../log";

/**
 * A panel is dropped when this many messages still wait for it a second after they piled up.
 * engine.io queues a panel's messages while its socket is busy with the previous ones: for a panel
 * that reads, even a burst (replies to 50 requests sent at once) is gone within milliseconds, so
 * this many a second later means the kernel's buffers toward it are full (~100 KB to 1 MB over a
 * network, 4 MB over loopback) and it has stopped reading. 32 snapshots are ~120 KB on the wire
 * (~0.5 MB with the largest face).
 */
export const MAX_WAITING = 32;
const WAITING_MS = 1000;

/** What this uses of engine.io's connection and of ws's socket: its queue, the WebSocket and its TCP socket are not in their types. */
interface Connection extends EventEmitter {
  remoteAddress: string;
  readyState: string;
  writeBuffer: unknown[];
  transport: { name: string; writable: boolean; socket?: { _socket?: Socket; bufferedAmount: number; _sender: FrameSender } };
  close(discard: boolean): void;
}
interface FrameSender {
  sendFrame(frame: Buffer[]): void;
  constructor: { frame(data: Buffer, options: { fin: boolean; rsv1: boolean; opcode: number; mask: boolean; readOnly: boolean }): Buffer[] };
}

export function dropStalledPanels(io: Pick<Server, "engine">, log: Logger): void {
  io.engine.on("connection", (connection: Connection) => {
    const backedUp = () => connection.writeBuffer.length >= MAX_WAITING;
    let timer: NodeJS.Timeout | undefined;
    // One comparison per message as it is queued; a timer only for a panel with that many waiting.
    const check = () => {
      if (timer || !backedUp()) return;
      timer = setTimeout(() => {
        timer = undefined;
        if (backedUp()) drop();
      }, WAITING_MS).unref();
    };
    const drop = () => {
      connection.off("packetCreate", check);
      log.warn(`panel at ${connection.remoteAddress} dropped: ${connection.writeBuffer.length} messages waiting for over ${WAITING_MS} ms, it has stopped reading (it catches up when it reconnects)`);
      const tcp = connection.transport.name === "websocket" ? connection.transport.socket?._socket : undefined;
      connection.close(true); // discards the queue
      // A reset, not ws's close handshake (30 s with a panel that never answers) nor a FIN queued
      // behind what the kernel still holds for it: both kernels let go of the connection at once.
      tcp?.resetAndDestroy();
    };
    connection.on("packetCreate", check);
    connection.once("close", () => clearTimeout(timer)); // gone by itself: nothing to drop
  });
}

/**
 * io.emit(event, data), for the messages that go to every panel: the snapshot at every order, the
 * presence view (performance). socket.io encodes a broadcast once, as one WebSocket frame, but then
 * for each panel makes a packet, queues it, emits five events and waits for the write's callback:
 * about a third more time per panel than the write itself, which at 1,000 to 10,000 panels is most
 * of an order's cost (docs/performance.md). Here the same frame (socket.io's event packet
 * "2[event,data]" in engine.io's message packet "4", framed by the panel's own ws) is written
 * straight to each panel's WebSocket when nothing waits before it, in engine.io's queue or in the
 * socket's buffer. Every other panel (one still being written to, a stalled one, whose queue
 * dropStalledPanels watches, one on HTTP long-polling) gets it from socket.io as before, behind
 * what waits: each panel's messages keep their order.
 */
export function emitToAll<E extends keyof ServerToClient>(io: Pick<Server<never, ServerToClient>, "of" | "to">, event: E, data: Parameters<ServerToClient[E]>[0]): void {
  let frame: Buffer[] | undefined;
  const rest: string[] = [];
  for (const socket of io.of("/").sockets.values()) {
    const { readyState, writeBuffer, transport } = socket.conn as unknown as Connection;
    const ws = transport.socket;
    if (readyState !== "open" || transport.name !== "websocket" || !transport.writable || writeBuffer.length || !ws || ws.bufferedAmount) {
      rest.push(socket.id);
      continue;
    }
    frame ??= ws._sender.constructor.frame(Buffer.from(`42${JSON.stringify([event, data])}`), { fin: true, rsv1: false, opcode: 1, mask: false, readOnly: false });
    ws._sender.sendFrame(frame);
  }
  if (rest.length) (io.to(rest) as unknown as { emit(event: E, data: unknown): void }).emit(event, data);
}
