// People and their one-time sign-in links: what the `chadburn user` commands and (later) the
// admin page do to the store. A new or reset person signs in through a link and sets a password.
import { Name, type PersonView } from "../../lib/protocol";
import type { Role, TelegraphRole } from "../../lib/roles";
import type { Store } from "../store/store";
import { hashSecret, newSecret } from "./secrets";
import { IDLE_MS } from "./sessions";

/** The name of the admin a new Chadburn starts with (renaming comes with the admin page's invitations). */
export const FIRST_ADMIN = "admin";

/** How long a sign-in link works. */
export const SIGN_IN_LINK_MS = 24 * 3600_000;

/** A person as the admin page and `chadburn user list` see them, with the store's id. */
export interface Person extends PersonView {
  id: number;
}

interface PersonRow {
  id: number;
  name: string;
  role: Role;
  password: string | null;
  created_at: string;
  sessions: number;
}

export class PeopleError extends Error {}

/** The roles given each person on telegraphs, by slug: read with the person, and at each identification (identity.ts). */
export function telegraphRolesOf(store: Store): (personId: number) => Record<string, TelegraphRole> {
  const rows = store.prepare<[number], { telegraph: string; role: TelegraphRole }>(
    "SELECT telegraph, role FROM telegraph_roles WHERE person_id = ? ORDER BY telegraph",
  );
  return (personId) => Object.fromEntries(rows.all(personId).map(({ telegraph, role }) => [telegraph, role]));
}

/** `slug`, when it is one of `telegraphs`; a PeopleError naming them otherwise. */
export function knownSlug(slug: string, telegraphs: readonly string[]): string {
  if (!telegraphs.includes(slug))
    throw new PeopleError(`no telegraph ${JSON.stringify(slug.slice(0, 40))} here: the telegraphs are ${telegraphs.join(", ") || "none yet"}`);
  return slug;
}

export function people(store: Store, now = () => new Date()) {
  // Sessions still valid (neither expired nor idle), counted where a person is read.
  const SELECT = "SELECT *, (SELECT count(*) FROM sessions WHERE person_id = people.id AND expires_at > ? AND last_used > ?) AS sessions FROM people";
  const at = () => now().toISOString();
  const idle = () => new Date(now().getTime() - IDLE_MS).toISOString();
  const rolesOn = telegraphRolesOf(store);
  const toPerson = (row: PersonRow): Person => ({
    id: row.id,
    name: row.name,
    role: row.role,
    telegraphRoles: rolesOn(row.id),
    hasPassword: row.password !== null,
    createdAt: row.created_at,
    sessions: row.sessions,
  });
  const byName = (name: string) => store.prepare<[string, string, string], PersonRow>(`${SELECT} WHERE name = ?`).get(at(), idle(), name);

  function find(name: string): PersonRow {
    const row = byName(name.trim());
    if (!row) throw new PeopleError(`no one is called ${JSON.stringify(name.trim())}`);
    return row;
  }

  /** A new one-time sign-in link code for the person; an earlier link of theirs stops working. */
  function issueInvite(personId: number): string {
    const code = newSecret("signin");
    store.transaction(() => {
      store.prepare("DELETE FROM sign_in_links WHERE person_id = ?").run(personId);
      store
        .prepare("INSERT INTO sign_in_links (hash, person_id, expires_at) VALUES (?, ?, ?)")
        .run(hashSecret(code), personId, new Date(now().getTime() + SIGN_IN_LINK_MS).toISOString());
    })();
    return code;
  }

  return {
    /** Adds a person; returns them and the code of their first sign-in link. */
    add(name: string, role: Role): { person: Person; code: string } {
      const parsed = Name.safeParse(name);
      if (!parsed.success) throw new PeopleError(parsed.error.issues[0].message);
      if (byName(parsed.data)) throw new PeopleError(`${JSON.stringify(parsed.data)} is already someone`);
      const { lastInsertRowid } = store
        .prepare("INSERT INTO people (name, role, created_at) VALUES (?, ?, ?)")
        .run(parsed.data, role, now().toISOString());
      const code = issueInvite(Number(lastInsertRowid));
      return { person: toPerson(find(parsed.data)), code };
    },

    list(): Person[] {
      return store.prepare<[string, string], PersonRow>(`${SELECT} ORDER BY name`).all(at(), idle()).map(toPerson);
    },

    /** Removes a person, their sessions and links. The last admin cannot be removed. */
    remove(name: string): Person {
      const row = find(name);
      if (row.role === "admin" && adminCount() === 1) throw new PeopleError(`${row.name} is the last admin: make someone else admin first`);
      const person = toPerson(row); // with the roles they had: theirs go with them
      store.prepare("DELETE FROM people WHERE id = ?").run(row.id);
      return person;
    },

    /** Forgets the password and signs them out everywhere; returns a new sign-in link code. */
    reset(name: string): { person: Person; code: string } {
      const row = find(name);
      store.transaction(() => {
        store.prepare("UPDATE people SET password = NULL WHERE id = ?").run(row.id);
        store.prepare("DELETE FROM sessions WHERE person_id = ?").run(row.id);
      })();
      return { person: toPerson(find(row.name)), code: issueInvite(row.id) };
    },

    /** Ends every session of theirs: signed out on every browser. */
    signOut(name: string): Person {
      const row = find(name);
      store.prepare("DELETE FROM sessions WHERE person_id = ?").run(row.id);
      return toPerson(find(row.name));
    },

    /**
     * Until an admin has set a password, a new sign-in link for the first admin (created as "admin"
     * on the very first start), so that each start's log lets someone in to manage the rest.
     */
    firstAdminInvite(): { name: string; code: string } | null {
      // Immediate: nodes starting together on one data folder must not both create "admin".
      return store
        .transaction(() => {
          const admins = store.prepare<[], PersonRow>("SELECT *, 0 AS sessions FROM people WHERE role = 'admin' ORDER BY id").all();
          if (admins.some((admin) => admin.password !== null)) return null;
          if (!admins.length) {
            const { person, code } = this.add(FIRST_ADMIN, "admin");
            return { name: person.name, code };
          }
          return { name: admins[0].name, code: issueInvite(admins[0].id) };
        })
        .immediate();
    },

    setRole(name: string, role: Role): Person {
      const row = find(name);
      if (row.role === "admin" && role !== "admin" && adminCount() === 1)
        throw new PeopleError(`${row.name} is the last admin: make someone else admin first`);
      store.prepare("UPDATE people SET role = ? WHERE id = ?").run(role, row.id);
      return toPerson(find(row.name));
    },

    /** Gives them `role` on the telegraph `slug` (one of `telegraphs`), over their own; null: their own again. */
    setTelegraphRole(name: string, slug: string, role: TelegraphRole | null, telegraphs: readonly string[]): Person {
      const row = find(name);
      knownSlug(slug, telegraphs);
      if (role === null) store.prepare("DELETE FROM telegraph_roles WHERE person_id = ? AND telegraph = ?").run(row.id, slug);
      else
        store
          .prepare("INSERT INTO telegraph_roles (person_id, telegraph, role) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET role = excluded.role")
          .run(row.id, slug, role);
      return toPerson(find(row.name));
    },
  };

  function adminCount(): number {
    return store.prepare<[], { n: number }>("SELECT count(*) AS n FROM people WHERE role = 'admin'").get()!.n;
  }
}
export type People = ReturnType<typeof people>;
