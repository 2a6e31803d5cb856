// What GET /healthz says: "ok", or "degraded" with the reasons, from the links' health alone.
import { LINK_TROUBLE, type LinkHealth } from "../../lib/protocol";

/** A change the status file's watch missed keeps health degraded this long: someone should look. */
export const RECOVERY_DEGRADES_MS = 60_000;

export type Health = { status: "ok" } | { status: "degraded"; reasons: string[] };

export function healthOf(links: readonly LinkHealth[], now = Date.now()): Health {
  const reasons: string[] = [];
  for (const { link, state, error, since, recovered } of links) {
    if (state === "error") reasons.push(`${LINK_TROUBLE[link]}${since ? ` since ${since}` : ""}: ${error}`);
    if (recovered && now - Date.parse(recovered) < RECOVERY_DEGRADES_MS) reasons.push(`the status file's watch missed a change at ${recovered} and was re-armed`);
  }
  return reasons.length ? { status: "degraded", reasons } : { status: "ok" };
}
