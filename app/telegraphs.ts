// Which telegraphs the server serves, asked server-side by the pages that must know (a 404 for an
// unknown slug, the list at `/`, the history's default and titles): GET /api/telegraphs as the
// visitor (read.ts), once per request however many parts of the page want it.
import { cache } from "react";
import type { TelegraphList } from "../lib/routes";
import { type Read, read } from "./read";

/** The list, or the server's refusal to say (the visitor may not see it). */
export const readTelegraphs = cache((): Promise<Read<TelegraphList>> => read<TelegraphList>("/api/telegraphs"));

/** The list; undefined when the server will not say (the panel's socket then says why) or cannot be reached. */
export const telegraphList = cache(async (): Promise<TelegraphList | undefined> => {
  try {
    const list = await readTelegraphs();
    return list.ok ? list.value : undefined;
  } catch {
    return undefined;
  }
});
