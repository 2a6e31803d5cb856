// The audit log: every order, answer and change to people or tokens, with who did it and from
// where, kept in the store; `chadburn audit` exports it.
import type { AuditEntry } from "../../lib/protocol";
import type { Store } from "../store/store";

/** Entries kept: the oldest go once there are more (a year of a busy lab's orders). */
export const AUDIT_KEPT = 100_000;


export function audit(store: Store, now = () => new Date()) {
  const insert = store.prepare("INSERT INTO audit (at, who, address, action, detail) VALUES (@at, @who, @address, @action, @detail)");
  const trim = store.prepare("DELETE FROM audit WHERE id <= (SELECT max(id) FROM audit) - ?");
  let added = 0;
  return {
    record(entry: Omit<AuditEntry, "at">): void {
      insert.run({ at: now().toISOString(), ...entry });
      if (++added % 1000 === 0) trim.run(AUDIT_KEPT);
    },
    /** The latest `limit`, newest first. */
    recent(limit: number): AuditEntry[] {
      return store.prepare<[number], AuditEntry>("SELECT at, who, address, action, detail FROM audit ORDER BY id DESC LIMIT ?").all(limit);
    },
    /** Oldest first; only those at or after `since` (ISO time) when given. */
    list(since = ""): AuditEntry[] {
      return store.prepare<[string], AuditEntry>("SELECT at, who, address, action, detail FROM audit WHERE at >= ? ORDER BY id").all(since);
    },
  };
}
export type Audit = ReturnType<typeof audit>;
