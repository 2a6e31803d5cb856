// Upgrading to several telegraphs (issue 16): a store from before holds one telegraph's memory under
// the slug "default". When the config names a declared telegraph as the default instead, that
// memory is its own: its rows take the new slug, in one transaction, once.
import { DEFAULT_SLUG } from "../../lib/telegraphs";
import type { Logger } from "../log";
import type { Store } from "./store";

/**
 * Gives the memory kept under "default" to the telegraph `slug` when that one has none yet: the
 * state row in `telegraphs`, and every row of every table that says whose it is (a `telegraph`
 * column: events, and whatever later migrations add). Returns whether it did.
 */
export function adoptDefaultMemory(store: Store, slug: string | null, log: Logger): boolean {
  if (slug === null || slug === DEFAULT_SLUG) return false;
  const has = (s: string) => store.prepare("SELECT 1 FROM telegraphs WHERE slug = ?").get(s) !== undefined;
  if (!has(DEFAULT_SLUG) || has(slug)) return false;
  const tables = store
    .prepare<[], { name: string }>(
      "SELECT m.name FROM sqlite_master m JOIN pragma_table_info(m.name) c WHERE m.type = 'table' AND c.name = 'telegraph' ORDER BY m.name",
    )
    .all()
    .map((t) => t.name);
  store.transaction(() => {
    store.prepare("UPDATE telegraphs SET slug = ? WHERE slug = ?").run(slug, DEFAULT_SLUG);
    // Table names come from the schema itself, never from input.
    for (const table of tables) store.prepare(`UPDATE "${table}" SET telegraph = ? WHERE telegraph = ?`).run(slug, DEFAULT_SLUG);
  })();
  log.info(`store: the memory kept as "${DEFAULT_SLUG}" is now the default telegraph "${slug}"'s`);
  return true;
}
