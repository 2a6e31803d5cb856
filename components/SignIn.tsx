"use client";
// Signing in with a name and password. The session cookie is HttpOnly: the page never sees it,
// only that the server said yes; the panel then opens afresh, signed in.
import { type FormEvent, useEffect, useState } from "react";
import type { You } from "../lib/protocol";
import { api, sentence } from "./api";
import Frame from "./Frame";
import styles from "./Pages.module.css";
import PasswordField from "./PasswordField";

export default function SignIn() {
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const [you, setYou] = useState<You | null>(null);

  useEffect(() => {
    let current = true;
    api("GET /api/session").then((result) => current && result.ok && setYou(result.value));
    return () => {
      current = false;
    };
  }, []);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError("");
    const result = await api("POST /api/session", { body: { name: name.trim(), password } });
    // A full load, so the panel's socket connects with the new cookie.
    if (result.ok) return location.assign("/");
    setBusy(false);
    setError(sentence(result.error));
  };

  return (
    <Frame title="Sign in">
      {you?.via === "session" && (
        <p className={styles.muted}>
          You are signed in as {you.name} ({you.role}). Signing in again here changes who this browser is.
        </p>
      )}
      <form className={`${styles.card} ${styles.form}`} onSubmit={onSubmit}>
        <label className={styles.field}>
          Name
          <input name="username" value={name} onChange={(e) => setName(e.target.value)} autoComplete="username" maxLength={200} required autoFocus />
        </label>
        <PasswordField label="Password" name="password" value={password} onChange={setPassword} autoComplete="current-password" />
        <p className={styles.error} role="alert" data-testid="signin-error">
          {error}
        </p>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      <p className={styles.muted}>New here, or forgot your password? Ask an admin for a one-time sign-in link.</p>
    </Frame>
  );
}
