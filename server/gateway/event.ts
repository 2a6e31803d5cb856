// The one way a panel's event goes through (order, answer: socket.ts; hello, receipt: presence.ts):
// admit (flood limits, who may) → validate (its schema in lib/protocol.ts CLIENT_EVENTS) → act →
// reply, with every refusal one line in the same envelope the panel asked for.
import type { Socket } from "socket.io";
import type { z } from "zod";
import { CLIENT_EVENTS, type ClientEvent, type ClientToServer, type Reply, parse } from "../../lib/protocol";
import type { Logger } from "../log";

type Payload<E extends ClientEvent> = z.output<(typeof CLIENT_EVENTS)[E]>;

export interface EventSpec<E extends ClientEvent> {
  /** Why the event is refused before it is read, or undefined when it may go on. */
  admit(): Promise<string | undefined> | string | undefined;
  act(payload: Payload<E>): Promise<Reply> | Reply;
}

/** Handles `event` on `socket`; a failure of the server's own is logged and refused in one line. */
export function onEvent<E extends ClientEvent>(
  socket: Pick<Socket<ClientToServer>, "id" | "on">,
  event: E,
  { admit, act }: EventSpec<E>,
  log: Logger,
): void {
  const listener = async (payload: unknown, reply?: unknown) => {
    const send = typeof reply === "function" ? (reply as (r: Reply) => void) : () => {};
    const refused = await admit();
    if (refused) return send({ ok: false, error: refused });
    const parsed = parse(CLIENT_EVENTS[event] as z.ZodType, payload);
    if (!parsed.ok) return send(parsed);
    try {
      send(await act(parsed.value as Payload<E>));
    } catch (error) {
      log.error(`${event} from ${socket.id}: ${(error as Error).message}`);
      send({ ok: false, error: "the server could not do that" });
    }
  };
  socket.on<ClientEvent>(event, listener);
}
