// Which telegraphs the server serves, asked server-side by the pages that must know (a 404 for an
// unknown slug, the list at `/`): GET /api/telegraphs on the server's own loopback URL
// (CHADBURN_INTERNAL_URL, set by server/main.ts), with the visitor's cookie, so it answers as it
// would answer them.
import { cookies } from "next/headers";
import { cache } from "react";
import type { TelegraphList } from "../lib/routes";

/**
 * The list; undefined when the server will not say (the visitor may not see it: the panel's socket
 * then says why). Asked once per request, however many parts of the page want it.
 */
export const telegraphList = cache(async (): Promise<TelegraphList | undefined> => {
  const base = process.env.CHADBURN_INTERNAL_URL;
  if (!base) return undefined;
  const cookie = (await cookies()).toString();
  try {
    const response = await fetch(`${base}/api/telegraphs`, { headers: cookie ? { cookie } : {}, cache: "no-store" });
    return response.ok ? ((await response.json()) as TelegraphList) : undefined;
  } catch {
    return undefined;
  }
});
