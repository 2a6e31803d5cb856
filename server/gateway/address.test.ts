import { IncomingMessage } from "node:http";
import { Socket } from "node:net";
import { TLSSocket } from "node:tls";
import { describe, expect, it } from "vitest";
import { clientInfo } from "./address";

/** A request as node parses it, from `peer` (the socket's address), with these headers. */
function request(peer: string, headers: Record<string, string> = {}, socket: Socket = new Socket()): IncomingMessage {
  Object.defineProperty(socket, "remoteAddress", { value: peer }); // a connected socket's, without connecting one
  const req = new IncomingMessage(socket);
  req.headers = headers;
  return req;
}

describe("clientInfo", () => {
  it("trusting no proxy, the socket's peer is the client and forwarded headers are ignored", () => {
    const client = clientInfo([]);
    const forged = request("203.0.113.9", { "x-forwarded-for": "10.0.0.1", "x-forwarded-proto": "https" });
    expect(client.address(forged)).toBe("203.0.113.9");
    expect(client.secure(forged)).toBe(false);
  });

  it("a forwarded header from a peer that is not a trusted proxy is ignored", () => {
    const client = clientInfo(["127.0.0.1"]);
    const forged = request("192.168.1.50", { "x-forwarded-for": "10.0.0.1", "x-forwarded-proto": "https" });
    expect(client.address(forged)).toBe("192.168.1.50");
    expect(client.secure(forged)).toBe(false);
  });

  it("through a chain of trusted proxies, the first address not trusted is the client", () => {
    const client = clientInfo(["loopback", "10.0.0.0/8"]);
    // The client forged the first entry; the outer proxy (10.1.2.3) appended the client's real address.
    const req = request("127.0.0.1", { "x-forwarded-for": "6.6.6.6, 198.51.100.7, 10.1.2.3" });
    expect(client.address(req)).toBe("198.51.100.7");
  });

  it("an IPv4 proxy is recognised on a dual-stack socket (::ffff:127.0.0.1)", () => {
    const client = clientInfo(["127.0.0.1"]);
    expect(client.address(request("::ffff:127.0.0.1", { "x-forwarded-for": "198.51.100.7" }))).toBe("198.51.100.7");
  });

  it("X-Forwarded-Proto is honoured from a trusted proxy, the value nearest us deciding", () => {
    const client = clientInfo(["loopback"]);
    expect(client.secure(request("127.0.0.1", { "x-forwarded-proto": "https" }))).toBe(true);
    expect(client.secure(request("127.0.0.1", { "x-forwarded-proto": "HTTPS" }))).toBe(true);
    expect(client.secure(request("127.0.0.1", { "x-forwarded-proto": "http, https" }))).toBe(true);
    expect(client.secure(request("127.0.0.1", { "x-forwarded-proto": "https, http" }))).toBe(false);
    expect(client.secure(request("127.0.0.1", { "x-forwarded-proto": "http" }))).toBe(false);
    expect(client.secure(request("127.0.0.1"))).toBe(false);
  });

  it("a request over a TLS socket is secure, trusted proxy or not", () => {
    const tls = new TLSSocket(new Socket());
    expect(clientInfo([]).secure(request("192.168.1.50", {}, tls))).toBe(true);
    expect(clientInfo([]).secure(request("192.168.1.50"))).toBe(false);
    tls.destroy();
  });
});
