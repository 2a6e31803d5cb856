// Who is on the other end of a request, and whether it came over TLS. Behind a reverse proxy the
// socket's peer is the proxy: only proxies named in --trust-proxy may tell us the client's address
// (X-Forwarded-For) and scheme (X-Forwarded-Proto); anyone else could forge those headers.
import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import proxyAddr from "proxy-addr";

export interface ClientInfo {
  /** The client's address: the socket's peer, or what the trusted proxies in front of it say. */
  address(req: IncomingMessage): string;
  /** The client reached us over TLS: this connection, or a trusted proxy's (X-Forwarded-Proto https). */
  secure(req: IncomingMessage): boolean;
}

/** `trust` in proxy-addr's syntax, as config.ts checked it; empty: no proxy is trusted. */
export function clientInfo(trust: readonly string[]): ClientInfo {
  const trusted = proxyAddr.compile([...trust]); // an empty list trusts nobody
  return {
    // A socket already gone has no address; "unknown" as the gateways said before.
    address: (req) => proxyAddr(req, trusted) ?? "unknown",
    secure(req) {
      if ((req.socket as Partial<TLSSocket>).encrypted) return true;
      const peer = req.socket.remoteAddress;
      if (peer === undefined || !trusted(peer, 0)) return false;
      // The last value is the one the proxy next to us added; earlier ones came from further out.
      const proto = req.headers["x-forwarded-proto"];
      const last = (Array.isArray(proto) ? proto.join(",") : (proto ?? "")).split(",").at(-1);
      return last?.trim().toLowerCase() === "https";
    },
  };
}
