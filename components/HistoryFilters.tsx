// The filters of the history and statistics pages: a plain GET form (it works without JavaScript),
// whose fields are the page's own query (components/historyQuery.ts). Sending it starts at the newest page.
import { findPosition } from "../lib/face";
import type { Face } from "../lib/protocol";
import type { Filters } from "./historyQuery";
import pages from "./Pages.module.css";
import styles from "./History.module.css";

export default function HistoryFilters({ action, face, filters, byPosition }: { action: string; face: Face; filters: Filters; byPosition: boolean }) {
  const filtered = (byPosition && filters.position) || filters.from || filters.to;
  return (
    <form method="get" action={action} className={`${pages.inline} ${styles.filters}`} aria-label="Filters" data-testid="history-filters">
      {byPosition && (
        <label className={pages.field}>
          Position
          <select name="position" defaultValue={findPosition(face, filters.position)?.name ?? ""}>
            <option value="">Every position</option>
            {face.map((p) => (
              <option key={p.position} value={p.name}>
                {p.label}
              </option>
            ))}
          </select>
        </label>
      )}
      <label className={pages.field}>
        From
        <input type="date" name="from" defaultValue={filters.from} />
      </label>
      <label className={pages.field}>
        To
        <input type="date" name="to" defaultValue={filters.to} />
      </label>
      {filters.limit && <input type="hidden" name="limit" value={filters.limit} />}
      <button type="submit">Show</button>
      {filtered && <a href={action}>Clear the filters</a>}
    </form>
  );
}
