// A password input in its labelled field: signing in, and choosing one from an invite.
import styles from "./Pages.module.css";

export default function PasswordField(props: {
  label: string;
  name: string;
  value: string;
  onChange: (value: string) => void;
  autoComplete: "current-password" | "new-password";
  autoFocus?: boolean;
}) {
  const { label, onChange, ...input } = props;
  return (
    <label className={styles.field}>
      {label}
      <input type="password" {...input} onChange={(e) => onChange(e.target.value)} maxLength={200} required />
    </label>
  );
}
