// The admin page's audit log: the latest entries, newest first, and the whole log to download.
import type { AuditEntry } from "../lib/protocol";
import { AUDIT_LIMIT } from "../lib/routes";
import styles from "./Pages.module.css";
import { when } from "../lib/words";

export default function AuditLog({ entries, onRefresh }: { entries: AuditEntry[] | null; onRefresh: () => void }) {
  return (
    <section className={styles.card} aria-labelledby="audit-heading">
      <h2 id="audit-heading">Audit log</h2>
      <p className={styles.actions}>
        <button type="button" className={`${styles.small} ${styles.quiet}`} onClick={onRefresh}>
          Refresh
        </button>
        <a href="/api/audit?download=1" download>
          Download the whole log (JSON)
        </a>
      </p>
      <p className={styles.muted}>The latest {AUDIT_LIMIT} entries, newest first.</p>
      {entries === null ? (
        <p className={styles.muted}>Loading…</p>
      ) : (
        <div className={styles.scroll}>
          <table className={styles.table} data-testid="audit">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Who</th>
                <th scope="col">Address</th>
                <th scope="col">Action</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry, i) => (
                // Entries have no id (the same second can hold the same line twice); rows keep no state.
                <tr key={i}>
                  <td>
                    <time dateTime={entry.at}>{when(entry.at)}</time>
                  </td>
                  <td>{entry.who}</td>
                  <td>{entry.address}</td>
                  <td>{entry.action}</td>
                  <td className={styles.wraps}>{entry.detail}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
