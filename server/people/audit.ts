// The audit log: every change to people or tokens and every sign-in, with who did it and from
// where, kept in the store; orders and answers are the store's events (server/store/memory.ts),
// merged in by time when read. `chadburn audit` exports it.
import type { AuditEntry } from "../../lib/protocol";
import { auditedEvents } from "../store/memory";
import type { Store } from "../store/store";

/** Entries kept: the oldest go once there are more (events have their own retention). */
export const AUDIT_KEPT = 100_000;

/** Oldest first; at the same time, the audit's own entry before the event. */
const byTime = (...lists: AuditEntry[][]) => lists.flat().sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));

export function audit(store: Store, now = () => new Date()) {
  const insert = store.prepare("INSERT INTO audit (at, who, address, action, detail) VALUES (@at, @who, @address, @action, @detail)");
  const trim = store.prepare("DELETE FROM audit WHERE id <= (SELECT max(id) FROM audit) - ?");
  const events = auditedEvents(store);
  let added = 0;
  return {
    record(entry: Omit<AuditEntry, "at">): void {
      insert.run({ at: now().toISOString(), ...entry });
      if (++added % 1000 === 0) trim.run(AUDIT_KEPT);
    },
    /** The latest `limit`, newest first. */
    recent(limit: number): AuditEntry[] {
      const own = store.prepare<[number], AuditEntry>("SELECT at, who, address, action, detail FROM audit ORDER BY id DESC LIMIT ?").all(limit);
      return byTime(own.reverse(), events.recent(limit).reverse()).reverse().slice(0, limit);
    },
    /** Oldest first; only those at or after `since` (ISO time) when given. */
    list(since = ""): AuditEntry[] {
      const own = store.prepare<[string], AuditEntry>("SELECT at, who, address, action, detail FROM audit WHERE at >= ? ORDER BY id").all(since);
      return byTime(own, events.list(since));
    },
  };
}
export type Audit = ReturnType<typeof audit>;
