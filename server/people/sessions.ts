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
  const holderOf = store.prepare<[string, string], Holder>(
    "SELECT people.id AS personId, name, role FROM sessions JOIN people ON people.id = person_id WHERE hash = ? AND expires_at > ?",
  );
  const linkOf = store.prepare<[string, string], Holder>(
    "SELECT people.id AS personId, name, role FROM sign_in_links JOIN people ON people.id = person_id WHERE hash = ? AND expires_at > ?",
  );

  function start(holder: Holder): SignedIn {
    const secret = newSecret("session");
    store.prepare("DELETE FROM sessions WHERE expires_at <= ?").run(at());
    store.prepare("INSERT INTO sessions (hash, person_id, created_at, expires_at) VALUES (?, ?, ?, ?)").run(hashSecret(secret), holder.personId, at(), new Date(now().getTime() + SESSION_MS).toISOString());
    return { ok: true, holder, secret };
  }

  return {
    /** The holder of a live session, or null (unknown, ended, expired). */
    check: (secret: string): Holder | null => holderOf.get(hashSecret(secret), at()) ?? null,

    /** Who a sign-in link is for, without using it up. */
    peek: (code: string): Holder | null => linkOf.get(hashSecret(code), at()) ?? null,

    async withPassword(name: string, password: string): Promise<SignedIn> {
      const retryAfter = Math.ceil(lock.wait(name) / 1000);
      if (retryAfter) return { ok: false, status: 429, error: `too many failed sign-ins as ${JSON.stringify(name.trim())}: try again in ${retryAfter} s`, retryAfter };
      const row = store.prepare<[string], Holder & { password: string | null }>("SELECT id AS personId, name, role, password FROM people WHERE name = ?").get(name.trim());
      // Someone without a password (or no one) costs the same time as a wrong password: no hint who exists.
      const right = await checkPassword(row?.password ?? (await decoyHash()), password);
      if (!row?.password || !right) {
        lock.failed(name);
        return { ok: false, status: 401, error: "wrong name or password" };
      }
      lock.succeeded(name);
      return start({ personId: row.personId, name: row.name, role: row.role });
    },

    /** Uses up a sign-in link: sets the person's password and starts a session. */
    async withLink(code: string, password: string): Promise<SignedIn> {
      if (!linkOf.get(hashSecret(code), at())) return { ok: false, status: 400, error: BAD_LINK };
      const hash = await hashPassword(password);
      // Looked up again after the hashing: the same link used twice at once works only once.
      return store.transaction((): SignedIn => {
        const holder = linkOf.get(hashSecret(code), at());
        if (!holder) return { ok: false, status: 400, error: BAD_LINK };
        store.prepare("DELETE FROM sign_in_links WHERE hash = ?").run(hashSecret(code));
        store.prepare("UPDATE people SET password = ? WHERE id = ?").run(hash, holder.personId);
        return start(holder);
      })();
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
