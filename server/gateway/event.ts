// The one way a panel's event goes through (order, answer: socket.ts; hello, receipt: presence.ts):
// admit (flood limits, who may) → validate (its schema in lib/protocol.ts CLIENT_EVENTS) → act →
// reply, with every refusal one line in the same envelope the panel asked for. Each event's listener
// is made once per server and given the socket as `this`: a connection costs no closures of its
// own (memory: 10,000 panels).
import type { Socket } from "socket.io";
import type { z } from "zod";
import { CLIENT_EVENTS, type ClientEvent, type ClientToServer, type Reply, parse } from "../../lib/protocol";
import type { Logger } from "../log";

type Payload<E extends ClientEvent> = z.output<(typeof CLIENT_EVENTS)[E]>;

export interface EventSpec<E extends ClientEvent, S> {
  /** Why the event is refused before it is read, or undefined when it may go on. */
  admit(socket: S): Promise<string | undefined> | string | undefined;
  act(socket: S, payload: Payload<E>): Promise<Reply> | Reply;
}

/**
 * The listener for `event`, made once per server: socket.io calls it with the socket as `this`, so
 * a connection costs only its registration (`socket.on(event, listener)`). A failure of the
 * server's own is logged and refused in one line.
 */
export function listenerOf<E extends ClientEvent, S extends Pick<Socket<ClientToServer>, "id">>(
  event: E,
  { admit, act }: EventSpec<E, S>,
  log: Logger,
): (this: S, payload: unknown, reply?: unknown) => Promise<void> {
  return async function (this: S, payload, reply) {
    const send = typeof reply === "function" ? (reply as (r: Reply) => void) : () => {};
    const refused = await admit(this);
    if (refused) return send({ ok: false, error: refused });
    const parsed = parse(CLIENT_EVENTS[event] as z.ZodType, payload);
    if (!parsed.ok) return send(parsed);
    try {
      send(await act(this, parsed.value as Payload<E>));
    } catch (error) {
      log.error(`${event} from ${this.id}: ${(error as Error).message}`);
      send({ ok: false, error: "the server could not do that" });
    }
  };
}
