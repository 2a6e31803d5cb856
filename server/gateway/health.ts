// What GET /healthz says: "ok", or "degraded" with the reasons, from the links' health alone, of
// every telegraph the server serves (lib/routes.ts Healthz).
import path from "node:path";
import type { LinkHealth } from "../../lib/protocol";
import type { ClusterHealth, Health, Healthz, MqttHealth, TelegraphHealth } from "../../lib/routes";
import { describeLink } from "../../lib/words";

/** A change the status file's watch missed keeps health degraded this long: someone should look. */
export const RECOVERY_DEGRADES_MS = 60_000;

export function healthOf(links: readonly LinkHealth[], now = Date.now()): Health {
  const reasons: string[] = [];
  for (const health of links) {
    const { state, recovered, unwatched, polled } = health;
    // The panel's words, with the exact time: a probe's reader may be anywhere.
    if (state === "error") reasons.push(describeLink(health, (iso) => iso));
    // Orders still come (within `polled` ms), but the machine is short of something to put right.
    if (unwatched) reasons.push(`the status file cannot be watched (${unwatched}); it is looked at every ${polled} ms until it can be`);
    if (recovered && now - Date.parse(recovered) < RECOVERY_DEGRADES_MS)
      reasons.push(`the status file's watch missed a change at ${recovered} and was re-armed`);
  }
  return reasons.length ? { status: "degraded", reasons } : { status: "ok" };
}

/** One telegraph's connection and links, as its snapshot has them. */
export type TelegraphLinks = Pick<TelegraphHealth, "slug" | "telegraph" | "links">;

/** /healthz of every telegraph, the default (or first) first: its fields stay at the top, as with one telegraph. */
export function healthzOf(all: readonly TelegraphLinks[], now = Date.now()): Healthz {
  const each: TelegraphHealth[] = all.map(({ slug, telegraph, links }) => ({ slug, ...healthOf(links, now), telegraph, links }));
  const several = each.length > 1;
  const reasons = each.flatMap((t) => (t.status === "degraded" ? t.reasons.map((reason) => (several ? `${t.slug}: ${reason}` : reason)) : []));
  const { telegraph, links } = each[0];
  return { ...(reasons.length ? { status: "degraded", reasons } : { status: "ok" }), telegraph, links, ...(several && { telegraphs: each }) };
}

/** /healthz on a node of several: degraded while it does not reach Redis (its panels' updates are paused). */
export function withCluster(body: Healthz, cluster: ClusterHealth | undefined): Healthz {
  if (!cluster) return body;
  if (cluster.redis === "answers") return { ...body, cluster };
  const reasons = [...(body.status === "degraded" ? body.reasons : []), `Redis does not answer since ${cluster.since}`];
  return { ...body, status: "degraded", reasons, cluster };
}

/** /healthz with an MQTT broker: degraded while the bridge does not reach it (Home Assistant hears nothing). */
export function withMqtt(body: Healthz, mqtt: MqttHealth | undefined): Healthz {
  if (!mqtt) return body;
  if (mqtt.broker === "connected") return { ...body, mqtt };
  const reasons = [...(body.status === "degraded" ? body.reasons : []), `the MQTT broker does not answer since ${mqtt.since}`];
  return { ...body, status: "degraded", reasons, mqtt };
}

/** An absolute path in a string: at its start, or after a space, quote, bracket or "=". */
const ABSOLUTE_PATH = /(^|[\s'"(=])(\/[^\s'"(),]+)/g;

/**
 * `body` with every path reduced to its file name ("/var/lib/chadburn/status.eot" → "status.eot"),
 * in every string: for callers who may not see the panel, so a probe learns the health but not
 * where the server keeps its files. `known` are the paths to look for first (they may hold spaces).
 */
export function withoutPaths<T>(body: T, known: readonly string[]): T {
  const reduce = (text: string) =>
    known
      .filter((p) => p.startsWith("/"))
      .reduce((out, p) => out.replaceAll(p, path.basename(p)), text)
      .replace(ABSOLUTE_PATH, (_, before: string, p: string) => `${before}${path.basename(p)}`);
  const walk = (value: unknown): unknown => {
    if (typeof value === "string") return reduce(value);
    if (Array.isArray(value)) return value.map(walk);
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
    return value;
  };
  return walk(body) as T;
}
