// Which telegraphs the server serves, asked server-side by the pages that must know (a 404 for an
// unknown slug, the list at `/`, the history's default): GET /api/telegraphs as the visitor (read.ts).
import { cache } from "react";
import type { TelegraphList } from "../lib/routes";
import { read } from "./read";

/**
 * The list; undefined when the server will not say (the visitor may not see it: the panel's socket
 * then says why). Asked once per request, however many parts of the page want it.
 */
export const telegraphList = cache(async (): Promise<TelegraphList | undefined> => {
  try {
    const list = await read<TelegraphList>("/api/telegraphs");
    return list.ok ? list.value : undefined;
  } catch {
    return undefined;
  }
});
