// Signing in and staying signed in: a name and password, or a one-time sign-in link that sets the
// password; either starts a session, whose secret lives in the browser's cookie and whose hash
// lives here. Ending sessions (sign out, everywhere, a reset, a removal) takes effect at once.
import type { Role } from "../../lib/roles";
import type { Store } from "../store/store";
import type { Lockout } from "./lockout";
import { checkPassword, decoyHash, hashPassword } from "./passwords";
import { hashSecret, newSecret } from "./secrets";

/** How long a browser stays signed in. */
export const SESSION_MS = 30 * 24 * 3600_000;
/** A session unused this long ends (an open panel counts as use: server/gateway/revocations.ts). */
export const IDLE_MS = 7 * 24 * 3600_000;
/** A session's last use is written at most this often, not at every request. */
export const TOUCH_MS = 3600_000;

/** Whose a session is, as the store has them now (a role change shows at the next request). */
export interface Holder {
  personId: number;
  name: string;
  role: Role;
}

export type SignedIn = { ok: true; holder: Holder; secret: string } | { ok: false; status: 400 | 401 | 429; error: string; retryAfter?: number };

const BAD_LINK = "this sign-in link does not work (used, expired or mistyped): ask an admin for a new one";

export function sessions(store: Store, lock: Lockout, now = () => new Date()) {
  const at = () => now().toISOString();
  const ago = (ms: number) => new Date(now().getTime() - ms).toISOString();
  const holderOf = store.prepare<[string, string, string], Holder>(
    "SELECT people.id AS personId, name, role FROM sessions JOIN people ON people.id = person_id WHERE hash = ? AND expires_at > ? AND last_used > ?",
  );
  const touch = store.prepare<[string, string, string]>("UPDATE sessions SET last_used = ? WHERE hash = ? AND last_used <= ?");
  const linkOf = store.prepare<[string, string], Holder>(
    "SELECT people.id AS personId, name, role FROM sign_in_links JOIN people ON people.id = person_id WHERE hash = ? AND expires_at > ?",
  );

  function start(holder: Holder): SignedIn {
    const secret = newSecret("session");
    store.prepare("DELETE FROM sessions WHERE expires_at <= ? OR last_used <= ?").run(at(), ago(IDLE_MS));
    store
      .prepare("INSERT INTO sessions (hash, person_id, created_at, expires_at, last_used) VALUES (?, ?, ?, ?, ?)")
      .run(hashSecret(secret), holder.personId, at(), new Date(now().getTime() + SESSION_MS).toISOString(), at());
    return { ok: true, holder, secret };
  }

  return {
    /** The holder of a live session (its use noted, at most once in TOUCH_MS), or null (unknown, ended, expired, idle). */
    check(secret: string): Holder | null {
      const hash = hashSecret(secret);
      const holder = holderOf.get(hash, at(), ago(IDLE_MS));
      if (holder) touch.run(at(), hash, ago(TOUCH_MS));
      return holder ?? null;
    },

    /** Who a sign-in link is for, without using it up. */
    peek: (code: string): Holder | null => linkOf.get(hashSecret(code), at()) ?? null,

    /** Signs in from `address` (the lockout is per name and address: lockout.ts). */
    async withPassword(name: string, password: string, address: string): Promise<SignedIn> {
      const retryAfter = Math.ceil(lock.wait(name, address) / 1000);
      if (retryAfter)
        return {
          ok: false,
          status: 429,
          error: `too many failed sign-ins as ${JSON.stringify(name.trim())}: try again in ${retryAfter} s`,
          retryAfter,
        };
      lock.failed(name, address); // counted before the slow hash, so attempts at once cannot outrun the lock
      const row = store
        .prepare<[string], Holder & { password: string | null }>("SELECT id AS personId, name, role, password FROM people WHERE name = ?")
        .get(name.trim());
      // Someone without a password (or no one) costs the same time as a wrong password: no hint who exists.
      const right = await checkPassword(row?.password ?? (await decoyHash()), password);
      if (!row?.password || !right) {
        lock.wrong(name, address);
        return { ok: false, status: 401, error: "wrong name or password" };
      }
      lock.succeeded(name, address);
      return start({ personId: row.personId, name: row.name, role: row.role });
    },

    /** Uses up a sign-in link: sets the person's password and starts a session. */
    async withInvite(code: string, password: string, address: string): Promise<SignedIn> {
      if (!linkOf.get(hashSecret(code), at())) return { ok: false, status: 400, error: BAD_LINK };
      const hash = await hashPassword(password);
      // Looked up again after the hashing: the same link used twice at once works only once.
      const result = store.transaction((): SignedIn => {
        const holder = linkOf.get(hashSecret(code), at());
        if (!holder) return { ok: false, status: 400, error: BAD_LINK };
        store.prepare("DELETE FROM sign_in_links WHERE hash = ?").run(hashSecret(code));
        store.prepare("UPDATE people SET password = ? WHERE id = ?").run(hash, holder.personId);
        return start(holder);
      })();
      if (result.ok) lock.succeeded(result.holder.name, address);
      return result;
    },

    end(secret: string): void {
      store.prepare("DELETE FROM sessions WHERE hash = ?").run(hashSecret(secret));
    },

    endAll(personId: number): void {
      store.prepare("DELETE FROM sessions WHERE person_id = ?").run(personId);
    },
  };
}
export type Sessions = ReturnType<typeof sessions>;
