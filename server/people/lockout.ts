// Sign-in lockout with backoff, by the name tried and the address it is tried from (whether or not
// someone has the name, so it tells nothing about who exists): a few free failures, then each
// further one locks that name at that address for twice as long, up to a ceiling. A guesser
// elsewhere therefore cannot lock a person out, and an address the person signed in from lately is
// never locked for them, so neither can a guesser behind the same NAT or proxy (the per-address
// limit in accounts.ts still holds there). A success forgets the failures.

export const FREE_FAILURES = 5;
export const FIRST_LOCK_MS = 30_000;
export const LONGEST_LOCK_MS = 15 * 60_000;
/** How long after signing in from an address a person's name is not locked there. */
export const TRUSTED_MS = 7 * 24 * 3600_000;
/**
 * Names and addresses remembered at once; beyond, the stalest that are not locked now go: a flood
 * of made-up names costs bounded memory and cannot lift a lock. Locks themselves are never
 * dropped early (each costs 6 attempts, and ends within 15 minutes).
 */
const REMEMBERED = 10_000;

interface Failures {
  count: number;
  until: number;
}

/** Sets `k` as the freshest entry (a Map's order is staleness); past REMEMBERED, drops the stalest `spare` one. */
function remember<V>(map: Map<string, V>, k: string, value: V, spare: (value: V) => boolean): void {
  map.delete(k);
  map.set(k, value);
  if (map.size <= REMEMBERED) return;
  for (const [old, held] of map) {
    if (!spare(held)) continue;
    map.delete(old);
    return;
  }
}

/** How long the `count`th failure in a row locks for. */
const lockFor = (count: number) => (count > FREE_FAILURES ? Math.min(FIRST_LOCK_MS * 2 ** (count - FREE_FAILURES - 1), LONGEST_LOCK_MS) : 0);

export function lockout(now = () => Date.now()) {
  const failures = new Map<string, Failures>();
  /** When the person of a name last signed in from an address. */
  const signedIn = new Map<string, number>();
  const key = (name: string, address: string) => `${address} ${name.trim().toLowerCase()}`;
  const trusted = (k: string) => now() - (signedIn.get(k) ?? -Infinity) < TRUSTED_MS;
  return {
    /** Milliseconds the name stays locked at this address; 0 when it may try now. */
    wait(name: string, address: string): number {
      const k = key(name, address);
      return trusted(k) ? 0 : Math.max(0, (failures.get(k)?.until ?? 0) - now());
    },
    /**
     * Counts a failure. sessions.ts calls it before the password is checked (slowly), so attempts
     * sent at once cannot all get in before the lock; a success takes it back.
     */
    failed(name: string, address: string): void {
      const k = key(name, address);
      if (trusted(k)) return;
      const count = (failures.get(k)?.count ?? 0) + 1;
      remember(failures, k, { count, until: now() + lockFor(count) }, (held) => held.until <= now());
    },
    /** The password was wrong after all: a lock its attempt started runs from now, as the refusal is sent. */
    wrong(name: string, address: string): void {
      const held = failures.get(key(name, address));
      if (held && held.count > FREE_FAILURES) held.until = Math.max(held.until, now() + lockFor(held.count));
    },
    /** The person signed in from this address: failures forgotten, and not locked here for a while. */
    succeeded(name: string, address: string): void {
      const k = key(name, address);
      failures.delete(k);
      remember(signedIn, k, now(), () => true);
    },
  };
}
export type Lockout = ReturnType<typeof lockout>;
