// A panel that stops reading (a frozen process, a laptop asleep with its connection still up) has
// every broadcast queued for it in this process until the heartbeat gives up, up to 20 s later,
// and its socket then held 30 s more by a close handshake it never answers. A panel that far
// behind loses nothing by being dropped: it reconnects by itself and gets the current snapshot at
// once. (The broadcast that skips this queue for panels
// nothing waits for is broadcast.ts.)
import type { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import type { Server } from "socket.io";
import type { Logger } from "../log";

/**
 * A panel is dropped when this many messages wait for it and it has taken none for a second.
 * engine.io queues a panel's messages while its socket is busy with the previous ones: for a panel
 * that reads, even a burst (replies to 50 requests sent at once) is gone within milliseconds, so
 * a second with none taken means the kernel's buffers toward it are full (~100 KB to 1 MB over a
 * network, 4 MB over loopback) and it has stopped reading. One on long-polling takes its queue at
 * each poll: in a burst of orders 32 may wait between two polls, and that is reading, however
 * slowly. 32 messages are at most ~120 KB on the wire (snapshots; ~0.5 MB with the largest face),
 * changes far less.
 */
export const MAX_WAITING = 32;
const WAITING_MS = 1000;

/** What this uses of engine.io's connection: its queue and the WebSocket's TCP socket are not in its types. */
interface Connection extends EventEmitter {
  remoteAddress: string;
  writeBuffer: unknown[];
  transport: { name: string; socket?: { _socket?: Socket } };
  close(discard: boolean): void;
}

/**
 * Watches every connection's queue. Its listener is one function for all connections (`this` is the
 * connection): a connection costs one registration, no closures (memory: 10,000 panels); a timer
 * and a close listener exist only while a panel has MAX_WAITING messages waiting.
 */
export function dropStalledPanels(io: Pick<Server, "engine">, log: Logger): void {
  const timers = new Map<Connection, NodeJS.Timeout>();
  const backedUp = (connection: Connection) => connection.writeBuffer.length >= MAX_WAITING;
  // One comparison per message as it is queued.
  function check(this: Connection) {
    if (!backedUp(this) || timers.has(this)) return;
    timers.set(this, setTimeout(recheck, WAITING_MS, this).unref());
    this.once("close", forget); // gone by itself: nothing to drop
    this.once("flush", forget); // it took its queue: reading (watched again if it piles up again)
  }
  function forget(this: Connection) {
    clearTimeout(timers.get(this));
    timers.delete(this);
    this.off("close", forget).off("flush", forget);
  }
  const recheck = (connection: Connection) => {
    timers.delete(connection);
    connection.off("close", forget).off("flush", forget);
    if (backedUp(connection)) drop(connection);
  };
  const drop = (connection: Connection) => {
    connection.off("packetCreate", check);
    log.warn(
      `panel at ${connection.remoteAddress} dropped: ${connection.writeBuffer.length} messages ` +
        `waiting for over ${WAITING_MS} ms, it has stopped reading (it catches up when it reconnects)`,
    );
    const tcp = connection.transport.name === "websocket" ? connection.transport.socket?._socket : undefined;
    connection.close(true); // discards the queue
    // A reset, not ws's close handshake (30 s with a panel that never answers) nor a FIN queued
    // behind what the kernel still holds for it: both kernels let go of the connection at once.
    tcp?.resetAndDestroy();
  };
  io.engine.on("connection", (connection: Connection) => connection.on("packetCreate", check));
}
