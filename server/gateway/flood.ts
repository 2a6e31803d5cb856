// Per-connection limits on what a panel may send: past the limit a message is refused with a
// reason; a client that keeps sending far past it (a script gone wrong, a hostile one) is cut off,
// so that parsing its flood cannot slow every other panel down.
import { RateLimiterMemory, type RateLimiterRes } from "rate-limiter-flexible";
import type { Socket } from "socket.io";
import type { Logger } from "../log";

/** Messages in one second past which a connection is closed: no person clicks this fast. */
export const FLOOD_PER_SECOND = 100;

export function perSecondLimit(points: number, log: Logger) {
  const limiter = new RateLimiterMemory({ points, duration: 1 });
  return {
    /** Undefined when the message may go on; else why not. */
    async admit(socket: Pick<Socket, "id" | "connected" | "disconnect" | "handshake">): Promise<string | undefined> {
      try {
        await limiter.consume(socket.id);
        return undefined;
      } catch (error) {
        if ((error as RateLimiterRes).consumedPoints > FLOOD_PER_SECOND && socket.connected) {
          log.warn(`panel at ${socket.handshake.address} disconnected: over ${FLOOD_PER_SECOND} messages in a second`);
          socket.disconnect(true);
        }
        return `too many requests: at most ${points} a second`;
      }
    },
    forget: (socket: Pick<Socket, "id">) => void limiter.delete(socket.id),
  };
}
