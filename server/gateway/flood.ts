// Limits on what panels may send: per connection, past the limit a message is refused with a
// reason, and a client that keeps sending far past it (a script gone wrong, a hostile one) is cut
// off, so that parsing its flood cannot slow every other panel down. Per address (an IPv6 /64
// counting as one, address.ts addressGroup), so that many connections are no way around them: how
// many may be open at once, and how many orders and answers all of them may send in a second.
import type { IncomingMessage } from "node:http";
import type { Socket } from "socket.io";
import type { Logger } from "../log";
import type { Limits } from "./limits";
import { letGo } from "./revocations";

/** Messages in one second past which a connection is closed: no person clicks this fast. */
export const FLOOD_PER_SECOND = 100;

/**
 * At most `points` messages per connection in a second (a window from its first message). Counted
 * here rather than by rate-limiter-flexible (still used per address below): every hello and receipt
 * comes through, a thousand of them per order at 1,000 panels, and its promise, result object and
 * timer per message cost more than the rest of our handling of a receipt (docs/performance.md).
 * A connection's count is kept until it is forgotten (at its disconnect).
 */
export function perSecondLimit(points: number, log: Logger) {
  const windows = new Map<string, { start: number; count: number }>();
  return {
    /** Undefined when the message may go on; else why not. */
    admit(socket: Pick<Socket, "id" | "connected" | "emit" | "disconnect" | "handshake">): string | undefined {
      const now = performance.now();
      let window = windows.get(socket.id);
      if (!window) windows.set(socket.id, (window = { start: now, count: 0 }));
      else if (now - window.start >= 1000) {
        window.start = now;
        window.count = 0;
      }
      const count = ++window.count;
      if (count <= points) return undefined;
      if (count > FLOOD_PER_SECOND && socket.connected) {
        const reason = `over ${FLOOD_PER_SECOND} messages in a second`;
        log.warn(`panel at ${socket.handshake.address} disconnected: ${reason}`);
        letGo(socket, reason);
      }
      return `too many requests: at most ${points} a second`;
    },
    forget: (socket: Pick<Socket, "id">) => void windows.delete(socket.id),
  };
}

/** What an address (its group) may do in a second, as the limit `name` of `limits`: undefined when it may go on; else why not. */
export function perAddressLimit(limits: Limits, name: string, points: number, what: string) {
  const limiter = limits(name, points, 1);
  return async (group: string): Promise<string | undefined> => {
    try {
      await limiter.consume(group);
      return undefined;
    } catch {
      return `too many requests from ${group}: at most ${points} ${what} a second from one address`;
    }
  };
}

/**
 * Connections one address (an IPv6 /64) may have open at once, unless --connections-per-address
 * says otherwise: a lab behind one NAT address has dozens of phones and desktops, a panel each.
 */
export const CONNECTIONS_PER_ADDRESS = 50;

/** An Engine.IO connection, as far as counting it goes. */
interface Connection {
  request: IncomingMessage;
  on(event: "close", listener: (this: Connection) => void): unknown;
  close(): void;
}

/**
 * At most `max` connections open at once from one address: a new one past that is refused at its
 * handshake, saying so. `groupOf` names a request's address (its /64 for IPv6).
 */
export function connectionsPerAddress(max: number, groupOf: (req: IncomingMessage) => string, log: Logger) {
  const open = new Map<string, number>();
  /** Each open connection's group: its request is let go once admitted (request.ts). */
  const groups = new Map<Connection, string>();
  /** Groups at their limit that were told so in the log: once each time they reach it, not per refusal. */
  const logged = new Set<string>();
  // One listener for every connection, called with it as `this`: no closures per connection.
  function closed(this: Connection) {
    const group = groups.get(this)!;
    groups.delete(this);
    const left = (open.get(group) ?? 1) - 1;
    if (left > 0) open.set(group, left);
    else open.delete(group);
    if (left < max) logged.delete(group);
  }
  return {
    /** Why a new connection from this request may not open; undefined when it may. */
    refusal(req: IncomingMessage): string | undefined {
      const group = groupOf(req);
      if ((open.get(group) ?? 0) < max) return undefined;
      if (!logged.has(group)) log.warn(`connections from ${group} refused: ${max} are open, the most one address may have`);
      logged.add(group);
      return `too many connections from ${group}: at most ${max} at once from one address`;
    },
    /** Counts a connection that opened, until it closes; one that got past refusal() in a race is closed at once. */
    opened(connection: Connection): void {
      const group = groupOf(connection.request);
      const count = (open.get(group) ?? 0) + 1;
      open.set(group, count);
      groups.set(connection, group);
      connection.on("close", closed); // engine.io closes a connection once: on() spares once()'s wrapper
      if (count > max) connection.close();
    },
  };
}
