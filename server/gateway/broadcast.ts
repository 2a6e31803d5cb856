// The broadcast fast path (performance): a message for every panel is written straight to the
// WebSocket of each panel nothing waits for, so that only the others go through engine.io's queue
// (whose stalled panels stalled.ts drops).
import type { Server, Socket } from "socket.io";
import type { ServerToClient } from "../../lib/protocol";

/** What this uses of engine.io's connection and of ws's socket: the queue and the WebSocket's frame sender are not in their types. */
interface Connection {
  readyState: string;
  writeBuffer: unknown[];
  transport: { name: string; writable: boolean; socket?: { bufferedAmount: number; _sender: FrameSender } };
}
interface FrameSender {
  sendFrame(frame: Buffer[]): void;
  constructor: { frame(data: Buffer, options: { fin: boolean; rsv1: boolean; opcode: number; mask: boolean; readOnly: boolean }): Buffer[] };
}

/**
 * io.emit(event, data), for the messages that go to every panel: each change, the presence view
 * (performance). socket.io encodes a broadcast once, as one WebSocket frame, but then
 * for each panel makes a packet, queues it, emits five events and waits for the write's callback:
 * about a third more time per panel than the write itself, which at 1,000 to 10,000 panels is most
 * of an order's cost (docs/performance.md). Here the same frame (socket.io's event packet
 * "2[event,data]" in engine.io's message packet "4", framed by the panel's own ws) is written
 * straight to each panel's WebSocket when nothing waits before it, in engine.io's queue or in the
 * socket's buffer. Every other panel (one still being written to, a stalled one, whose queue
 * dropStalledPanels watches, one on HTTP long-polling) gets it from socket.io as before, behind
 * what waits: each panel's messages keep their order. `sockets`: the panels it goes to (a
 * telegraph's room), every one unless told.
 */
export function emitToAll<E extends keyof ServerToClient>(
  io: Pick<Server<never, ServerToClient>, "of" | "to">,
  event: E,
  data: Parameters<ServerToClient[E]>[0],
  sockets: Iterable<Socket> = io.of("/").sockets.values(),
): void {
  let frame: Buffer[] | undefined;
  const rest: string[] = [];
  for (const socket of sockets) {
    const { readyState, writeBuffer, transport } = socket.conn as unknown as Connection;
    const ws = transport.socket;
    if (readyState !== "open" || transport.name !== "websocket" || !transport.writable || writeBuffer.length || !ws || ws.bufferedAmount) {
      rest.push(socket.id);
      continue;
    }
    // Header and payload in one buffer: one write per panel, not a cork and a writev of two (bench/frame-write.ts: 2–7 % less CPU).
    frame ??= [
      Buffer.concat(
        ws._sender.constructor.frame(Buffer.from(`42${JSON.stringify([event, data])}`), {
          fin: true,
          rsv1: false,
          opcode: 1,
          mask: false,
          readOnly: false,
        }),
      ),
    ];
    ws._sender.sendFrame(frame);
  }
  if (rest.length) (io.to(rest) as unknown as { emit(event: E, data: unknown): void }).emit(event, data);
}

/** Panels written to per turn of the event loop by emitInTurns: about a millisecond of writes. */
export const PANELS_PER_TURN = 100;

/**
 * emitToAll for a message that may wait (presence, receipts), a hundred panels per turn of the
 * event loop: an order that comes meanwhile is read and broadcast after one turn's writes, not
 * after all of them (such a broadcast is as many writes as an order's: 13 ms of CPU at 1,000
 * panels, over 100 ms at 10,000, docs/performance.md). The panels are those of `among` (a telegraph's, or
 * every one) when it starts; one gone since is skipped. Returns a function that stops it where it is.
 */
export function emitInTurns<E extends keyof ServerToClient>(
  io: Pick<Server<never, ServerToClient>, "of" | "to">,
  event: E,
  data: Parameters<ServerToClient[E]>[0],
  among: Iterable<Socket> = io.of("/").sockets.values(),
  perTurn = PANELS_PER_TURN,
): () => void {
  const sockets = [...among];
  let done = 0;
  let next: NodeJS.Immediate | undefined;
  const turn = () => {
    emitToAll(io, event, data, sockets.slice(done, (done += perTurn)));
    if (done < sockets.length) next = setImmediate(turn);
  };
  turn();
  return () => clearImmediate(next);
}
