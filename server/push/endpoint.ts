// Where the server may send pushes. A subscription's endpoint is a URL anyone who may see the
// panel hands us, and every order then makes the server POST to it: unchecked, that lets a visitor
// aim the server at the lab's own network (server-side request forgery). Endpoints must be https://
// on a public address, checked when someone subscribes and again, against what the name resolves
// to, on every connection. Tests (and only they) let http:// and loopback through.
import { type LookupAddress, type LookupOneOptions, lookup } from "node:dns";
import { BlockList, isIP } from "node:net";

/** Longer endpoints are refused: real ones (FCM, Mozilla, Apple, Microsoft) are a few hundred characters. */
export const MAX_ENDPOINT_LENGTH = 2048;

/** Addresses that are not the public internet: loopback, private, link-local, shared, multicast, reserved. */
const notPublic = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12],
  ["192.0.0.0", 24], ["192.0.2.0", 24], ["192.88.99.0", 24], ["192.168.0.0", 16], ["198.18.0.0", 15],
  ["198.51.100.0", 24], ["203.0.113.0", 24], ["224.0.0.0", 4], ["240.0.0.0", 4],
] as const) notPublic.addSubnet(net, prefix, "ipv4");
for (const [net, prefix] of [
  ["::", 128], ["::1", 128], ["64:ff9b::", 96], ["64:ff9b:1::", 48], ["100::", 64], ["2001::", 23], ["2001:db8::", 32],
  ["2002::", 16], ["fc00::", 7], ["fe80::", 10], ["fec0::", 10], ["ff00::", 8],
] as const) notPublic.addSubnet(net, prefix, "ipv6");
// IPv4-mapped IPv6 (::ffff:10.0.0.1) is checked against the IPv4 rules by BlockList itself.

/** Whether an IP address (no brackets) is outside the public internet. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (!family) return false;
  return notPublic.check(address, family === 6 ? "ipv6" : "ipv4");
}

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
    const allowed = addresses.filter((a) => !isPrivateAddress(a.address));
    if (!allowed.length) {
      const refused: NodeJS.ErrnoException = new Error(`${hostname} resolves to ${addresses.map((a) => a.address).join(", ")}, not a public address`);
      refused.code = "EPRIVATE";
      return callback(refused, []);
    }
    if (options.all) callback(null, allowed);
    else callback(null, allowed[0].address, allowed[0].family);
  });
}
