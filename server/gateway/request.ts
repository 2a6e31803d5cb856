// What the gateway keeps of a panel's first HTTP request (memory: 10,000 panels). engine.io keeps
// each connection's request (the IncomingMessage with its raw headers and stream state) for as
// long as the connection lives, and socket.io's handshake its headers, URL and query, though nothing
// reads them once the panel is admitted. What the gateway needs later (the credentials, asked
// again at every order and answer; the address) is read once, at the handshake, into socket.data,
// and the request let go, as socket.io's docs on memory usage advise (docs/v4/memory-usage).
import { type IncomingHttpHeaders, type IncomingMessage, ServerResponse } from "node:http";
import type { Credentials } from "../people/identity";
import { type ClientInfo, addressGroup } from "./address";
import { credentials } from "./cookie";

/** What is kept of the request, in socket.data. */
export interface FromRequest {
  /** The token (socket.io's auth, else a Bearer header) and the session cookie it came with. */
  credentials: Credentials;
  /** The client's address (client.address), for the audit log. */
  address: string;
  /** Its address group (address.ts addressGroup), for the limits per address. */
  group: string;
}

/** The part of a socket.io socket this reads and lets go of. */
interface Handshaking {
  request: IncomingMessage | null;
  conn: { request: IncomingMessage | null };
  handshake: { auth: Record<string, unknown>; headers: IncomingHttpHeaders; query: object; url: string };
}

const NOTHING = Object.freeze({});

type Engine = {
  use(middleware: (req: IncomingMessage, res: object, next: () => void) => void): void;
  on(event: "headers", listener: (headers: object, req: IncomingMessage) => void): unknown;
};

/**
 * Reads what the gateway keeps of each socket's request, and lets the request go once the panel is
 * admitted. engine.io also answers each WebSocket upgrade (a panel's first request, or its move from
 * long-polling) with a stand-in response that holds the request until the TCP connection closes,
 * though it needs it only until the upgrade's headers are written: an engine.io middleware notes
 * it, and it lets go then.
 */
export function fromRequests(engine: Engine, client: ClientInfo) {
  const upgrades = new WeakMap<IncomingMessage, { req: IncomingMessage | null }>();
  engine.use((req, res, next) => {
    if (!(res instanceof ServerResponse)) upgrades.set(req, res as { req: IncomingMessage });
    next();
  });
  engine.on("headers", (_headers, req) => {
    const response = upgrades.get(req);
    if (response) response.req = null; // read by its header methods, for middlewares before this
  });
  return {
    /**
     * What the gateway keeps of the socket's request. Undefined when the request is gone already: a
     * second namespace connection over an Engine.IO connection admitted before (socket.io-client
     * opens a new connection instead) has none.
     */
    read({ request, handshake }: Handshaking): FromRequest | undefined {
      if (!request) return undefined;
      const address = client.address(request);
      return {
        credentials: credentials(handshake.headers, { secure: client.secure(request), token: handshake.auth?.token }),
        address,
        group: addressGroup(address),
      };
    },
    /** Lets the request go (engine.io's copies and socket.io's handshake's alike) once the panel is admitted. */
    forget(socket: Handshaking): void {
      socket.conn.request = null;
      socket.handshake.headers = NOTHING;
      socket.handshake.query = NOTHING;
      socket.handshake.url = "";
    },
  };
}
