// Who is on the other end of a request, and whether it came over TLS. Behind a reverse proxy the
// socket's peer is the proxy: only proxies named in --trust-proxy may tell us the client's address
// (X-Forwarded-For) and scheme (X-Forwarded-Proto); anyone else could forge those headers.
import type { IncomingMessage } from "node:http";
import { isIPv6 } from "node:net";
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

/**
 * The addresses one client holds, for the limits per address: an IPv4 address itself (IPv4-mapped
 * IPv6 too), and for IPv6 its /64, since one host is given a whole /64 and may use any address
 * in it: "2001:db8:1:2::/64". Anything else ("unknown") is its own group.
 */
export function addressGroup(address: string): string {
  const bare = address.replace(/%.*$/, ""); // a zone (fe80::1%eth0) is no part of the address
  if (!isIPv6(bare)) return address;
  // URL writes IPv6 one way: lower case, hex only (an IPv4 tail too), the longest run of zeros as "::".
  const short = (ip: string) => new URL(`http://[${ip}]`).hostname.slice(1, -1);
  const [head, tail] = short(bare).split("::");
  const [left, right] = [head, tail].map((side) => (side ? side.split(":") : []));
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right].map((g) => parseInt(g, 16));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff)
    return [groups[6] >> 8, groups[6] & 255, groups[7] >> 8, groups[7] & 255].join(".");
  return `${short([...groups.slice(0, 4), 0, 0, 0, 0].map((g) => g.toString(16)).join(":"))}/64`;
}
