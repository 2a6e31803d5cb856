"use client";
// Where a one-time sign-in link lands (/welcome#signin_…): say whose link it is, let them choose
// a password, which uses the link up and signs them in. The code travels in the fragment so it
// never reaches a log or a Referer; it is taken out of the address bar (and history) at once.
import Link from "next/link";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { Password, parse } from "../lib/protocol";
import type { Invitation } from "../lib/routes";
import { api, sentence } from "./api";
import Frame from "./Frame";
import styles from "./Pages.module.css";
import PasswordField from "./PasswordField";

type Stage = { is: "reading" } | { is: "ready"; link: Invitation } | { is: "bad"; error: string };

const ASK = "Ask an admin for a new sign-in link.";

export default function Welcome() {
  // In a ref: Strict Mode runs the effect twice, and the first run empties the address bar.
  const code = useRef<string | null>(null);
  const [stage, setStage] = useState<Stage>({ is: "reading" });
  const [password, setPassword] = useState("");
  const [repeat, setRepeat] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  /** What the link is for; it stays unused. */
  const look = async (): Promise<Stage> => {
    if (!code.current) return { is: "bad", error: `This page needs the one-time sign-in link an admin gave you, whole. ${ASK}` };
    const result = await api("POST /api/link", { body: { code: code.current } });
    if (result.ok) return { is: "ready", link: result.value };
    // The way out, unless the server's own words already give it.
    return { is: "bad", error: /admin/i.test(result.error) ? sentence(result.error) : `${sentence(result.error)} ${ASK}` };
  };

  useEffect(() => {
    let current = true;
    let asked = 0; // only the latest link's answer counts
    const read = () => {
      if (location.hash) {
        code.current = location.hash.replace(/^#/, "");
        history.replaceState(history.state, "", location.pathname + location.search);
      }
      code.current ??= "";
      setStage({ is: "reading" });
      setError("");
      const mine = ++asked;
      look().then((next) => current && mine === asked && setStage(next));
    };
    read();
    // Another link pasted over this one only changes the fragment: no new page load.
    window.addEventListener("hashchange", read);
    return () => {
      current = false;
      window.removeEventListener("hashchange", read);
    };
  }, []);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const checked = parse(Password, password);
    if (!checked.ok) return setError(sentence(checked.error));
    if (password !== repeat) return setError("The two passwords differ: type the same one twice.");
    setBusy(true);
    setError("");
    const result = await api("POST /api/session", { body: { code: code.current ?? "", password } });
    // A full load, so the panel's socket connects with the new session cookie.
    if (result.ok) return location.assign("/");
    // A 400 is either the password or the link (expired, used meanwhile): ask which.
    const now = await look();
    setBusy(false);
    if (now.is === "bad") setStage(now);
    else setError(sentence(result.error));
  };

  return (
    <Frame title="Welcome">
      {stage.is === "reading" && <p className={styles.muted}>Reading your sign-in link…</p>}
      {stage.is === "bad" && (
        <>
          <p className={styles.error} role="alert" data-testid="welcome-error">
            {stage.error}
          </p>
          <p className={styles.muted}>
            If you already chose a password, <Link href="/signin">sign in</Link> with it.
          </p>
        </>
      )}
      {stage.is === "ready" && (
        <form className={`${styles.card} ${styles.form}`} onSubmit={onSubmit}>
          <p data-testid="welcome-name">
            Welcome, <strong>{stage.link.name}</strong>. You will join as {stage.link.role}. Choose a password.
          </p>
          {/* For password managers: whose password this is. */}
          <input type="text" name="username" autoComplete="username" value={stage.link.name} readOnly hidden />
          <PasswordField label="New password" name="new-password" value={password} onChange={setPassword} autoComplete="new-password" autoFocus />
          <PasswordField label="Repeat the password" name="repeat-password" value={repeat} onChange={setRepeat} autoComplete="new-password" />
          <p className={styles.muted}>At least 8 characters. A few unrelated words make a good one.</p>
          <p className={styles.error} role="alert" data-testid="welcome-error">
            {error}
          </p>
          <button type="submit" disabled={busy}>
            Set password and sign in
          </button>
        </form>
      )}
    </Frame>
  );
}
