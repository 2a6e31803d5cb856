// Where the server may send pushes. A subscription's endpoint is a URL anyone who may see the
// panel hands us, and every order then makes the server POST to it: unchecked, that lets a visitor
// aim the server at the lab's own network (server-side request forgery). Endpoints must be https://
// on a public address and port 443, checked when someone subscribes and again, against what the
// name resolves to, on every connection. Tests (and only they) let http:// and loopback through.
import { type LookupAddress, type LookupOneOptions, lookup } from "node:dns";
import { BlockList, isIP } from "node:net";

/** Longer endpoints are refused: real ones (FCM, Mozilla, Apple, Microsoft) are a few hundred characters. */
export const MAX_ENDPOINT_LENGTH = 2048;

/** IPv4 addresses that are not the public internet: loopback, private, link-local, shared, multicast, reserved. */
const notPublic4 = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const)
  notPublic4.addSubnet(net, prefix, "ipv4");
// IPv6 is allowed, not denied: the public internet is global unicast, 2000::/3, and nothing else.
// So every form outside it is refused without being listed: ::/8 (::, ::1, and IPv4 written as
// IPv4-mapped ::ffff:0:0/96, IPv4-compatible ::/96 such as ::7f00:1, IPv4-translated
// ::ffff:0:0:0/96), NAT64 64:ff9b::/96 and 64:ff9b:1::/48, discard 100::/64, unique local
// fc00::/7, link-local fe80::/10, site-local fec0::/10, multicast ff00::/8, and whatever comes next.
// (A library's list would not do: ipaddr.js's range() calls ::7f00:1 and fec0::1 "unicast".)
const global6 = new BlockList();
global6.addSubnet("2000::", 3, "ipv6");
/** Inside 2000::/3, what is not a host on the public internet, or hides an IPv4 address that may not be. */
const notPublic6 = new BlockList();
for (const [net, prefix] of [
  ["2001::", 23], // IETF protocol assignments: Teredo 2001::/32 (an IPv4 address inside), benchmarking, ORCHID
  ["2001:db8::", 32], // documentation
  ["2002::", 16], // 6to4: an IPv4 address inside (2002:0a00:0001:: is 10.0.0.1)
  ["3fff::", 20], // documentation (RFC 9637)
] as const)
  notPublic6.addSubnet(net, prefix, "ipv6");

/** Whether an IP address (no brackets) is on the public internet; anything else, a name included, is not. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !notPublic4.check(address, "ipv4");
  if (family === 6) return global6.check(address, "ipv6") && !notPublic6.check(address, "ipv6");
  return false;
}

/** Whether an IP address is outside the public internet (what is not an IP address at all, too). */
export const isPrivateAddress = (address: string): boolean => !isPublicAddress(address);

const LOCAL_NAMES = /(^|\.)(localhost|local|internal|home\.arpa|localdomain)\.?$/i;

/** Why the server will not push to `endpoint`, or undefined when it will. */
export function endpointRefusal(endpoint: string, insecure: boolean): string | undefined {
  if (endpoint.length > MAX_ENDPOINT_LENGTH) return `endpoint: at most ${MAX_ENDPOINT_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return "endpoint: not a URL";
  }
  if (url.username || url.password) return "endpoint: a push service's URL holds no user or password";
  if (url.protocol !== "https:" && !(insecure && url.protocol === "http:")) return "endpoint: a push service's URL starts with https://";
  if (insecure) return undefined;
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (isIP(host) ? isPrivateAddress(host) : LOCAL_NAMES.test(host) || !host.includes(".")) {
    return `endpoint: ${url.host} is not a public push service (the server does not send to its own network)`;
  }
  // Push services listen on 443 (FCM, Mozilla, Apple, Microsoft): another port is some other service.
  if (url.port) return `endpoint: a push service's URL is on port 443, not ${url.port}`;
  return undefined;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * dns.lookup for http(s).request that refuses names resolving to addresses outside the public
 * internet, so a public-looking name cannot point the server at its own network.
 */
export function publicLookup(hostname: string, options: LookupOneOptions & { all?: boolean }, callback: LookupCallback): void {
  lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const allowed = addresses.filter((a) => isPublicAddress(a.address));
    if (!allowed.length) {
      const refused: NodeJS.ErrnoException = new Error(`${hostname} resolves to ${addresses.map((a) => a.address).join(", ")}, not a public address`);
      refused.code = "EPRIVATE";
      return callback(refused, []);
    }
    if (options.all) callback(null, allowed);
    else callback(null, allowed[0].address, allowed[0].family);
  });
}
