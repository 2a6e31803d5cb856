// The admin page's people: each one's role, password, sessions, and what an admin may do to them.
import type { PersonView } from "../lib/protocol";
import { ROLES, type Role } from "../lib/roles";
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

export default function PeopleTable(props: {
  people: PersonView[];
  busy: string | null;
  onRole: (person: PersonView, role: Role) => void;
  onSignOut: Act;
  onReset: Act;
  onRemove: Act;
}) {
  const { people, busy, onRole, onSignOut, onReset, onRemove } = props;
  return (
    <div className={styles.scroll}>
      <table className={styles.table} data-testid="people">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Role</th>
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
