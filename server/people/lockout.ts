// Sign-in lockout with backoff, by the name tried (whether or not someone has it, so it tells
// nothing about who exists): a few free failures, then each further one locks the name for twice
// as long, up to a ceiling. A success forgets the failures.

export const FREE_FAILURES = 5;
export const FIRST_LOCK_MS = 30_000;
export const LONGEST_LOCK_MS = 15 * 60_000;
/** Names remembered at once; beyond, the stalest go (a flood of made-up names costs bounded memory). */
const REMEMBERED = 10_000;

interface Failures {
  count: number;
  until: number;
}

export function lockout(now = () => Date.now()) {
  const failures = new Map<string, Failures>();
  const key = (name: string) => name.trim().toLowerCase();
  return {
    /** Milliseconds the name stays locked; 0 when it may try now. */
    wait(name: string): number {
      return Math.max(0, (failures.get(key(name))?.until ?? 0) - now());
    },
    failed(name: string): void {
      const k = key(name);
      const count = (failures.get(k)?.count ?? 0) + 1;
      const locked = count > FREE_FAILURES ? Math.min(FIRST_LOCK_MS * 2 ** (count - FREE_FAILURES - 1), LONGEST_LOCK_MS) : 0;
      failures.delete(k); // re-inserted last: the Map's order is staleness
      failures.set(k, { count, until: now() + locked });
      if (failures.size > REMEMBERED) failures.delete(failures.keys().next().value!);
    },
    succeeded(name: string): void {
      failures.delete(key(name));
    },
  };
}
export type Lockout = ReturnType<typeof lockout>;
