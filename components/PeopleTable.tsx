// The admin page's people: each one's role (and on each telegraph, when there are several), password,
// sessions, and what an admin may do to them.
import type { PersonView } from "../lib/protocol";
import { ROLES, type Role, TELEGRAPH_ROLES, type TelegraphRole } from "../lib/roles";
import type { TelegraphList } from "../lib/routes";
import styles from "./Pages.module.css";
import { when } from "../lib/words";

type Act = (person: PersonView) => void;

export function RoleSelect({
  value,
  onChange,
  label,
  disabled,
}: {
  value: Role;
  onChange: (role: Role) => void;
  label?: string;
  disabled?: boolean;
}) {
  return (
    <select aria-label={label} value={value} disabled={disabled} onChange={(e) => onChange(e.target.value as Role)}>
      {ROLES.map((role) => (
        <option key={role} value={role}>
          {role}
        </option>
      ))}
    </select>
  );
}

/** Their role on each telegraph: their own unless one is given there (none: they may not see it). */
function TelegraphRoles({
  person,
  telegraphs,
  disabled,
  onChange,
}: {
  person: PersonView;
  telegraphs: TelegraphList["telegraphs"];
  disabled: boolean;
  onChange: (slug: string, role: TelegraphRole | null) => void;
}) {
  return (
    <ul className={styles.roles}>
      {telegraphs.map(({ slug, title }) => (
        <li key={slug}>
          <label>
            <span aria-hidden>{title}</span>
            <select
              aria-label={`Role of ${person.name} on ${title}`}
              value={person.telegraphRoles[slug] ?? ""}
              disabled={disabled}
              onChange={(e) => onChange(slug, e.target.value === "" ? null : (e.target.value as TelegraphRole))}
            >
              <option value="">own ({person.role})</option>
              {TELEGRAPH_ROLES.map((role) => (
                <option key={role} value={role}>
                  {role}
                </option>
              ))}
            </select>
          </label>
        </li>
      ))}
    </ul>
  );
}

export default function PeopleTable(props: {
  people: PersonView[];
  /** The server's telegraphs: with more than one, each person's role on each is shown and may be set. */
  telegraphs: TelegraphList["telegraphs"];
  busy: string | null;
  onRole: (person: PersonView, role: Role) => void;
  onTelegraphRole: (person: PersonView, slug: string, role: TelegraphRole | null) => void;
  onSignOut: Act;
  onReset: Act;
  onRemove: Act;
}) {
  const { people, telegraphs, busy, onRole, onTelegraphRole, onSignOut, onReset, onRemove } = props;
  const several = telegraphs.length > 1;
  return (
    <div className={styles.scroll}>
      <table className={styles.table} data-testid="people">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Role</th>
            {several && <th scope="col">On telegraphs</th>}
            <th scope="col">Password</th>
            <th scope="col">Signed in on</th>
            <th scope="col">Added</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {people.map((person) => (
            <tr key={person.name} data-name={person.name}>
              <th scope="row">{person.name}</th>
              <td>
                <RoleSelect
                  label={`Role of ${person.name}`}
                  value={person.role}
                  disabled={busy === person.name}
                  onChange={(role) => onRole(person, role)}
                />
              </td>
              {several && (
                <td>
                  <TelegraphRoles
                    person={person}
                    telegraphs={telegraphs}
                    disabled={busy === person.name}
                    onChange={(slug, role) => onTelegraphRole(person, slug, role)}
                  />
                </td>
              )}
              <td className={styles.wraps}>{person.hasPassword ? "set" : "not yet (needs a sign-in link)"}</td>
              <td>
                {person.sessions} {person.sessions === 1 ? "browser" : "browsers"}
              </td>
              <td>
                <time dateTime={person.createdAt}>{when(person.createdAt)}</time>
              </td>
              <td className={styles.wraps}>
                <div className={styles.actions}>
                  <button type="button" className={styles.quiet} disabled={busy === person.name} onClick={() => onSignOut(person)}>
                    Sign out everywhere
                  </button>
                  <button type="button" className={styles.quiet} disabled={busy === person.name} onClick={() => onReset(person)}>
                    New sign-in link
                  </button>
                  <button type="button" disabled={busy === person.name} onClick={() => onRemove(person)}>
                    Remove
                  </button>
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
