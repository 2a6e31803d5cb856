"use client";
// The panel's account line: who this browser is signed in as and the ways out, or a way in.
// It follows the socket's `you`, so a session ended elsewhere (signed out, revoked, reset) shows
// here at once, without a reload.
import Link from "next/link";
import { useState } from "react";
import type { You } from "../lib/protocol";
import { may } from "../lib/roles";
import { api } from "./api";
import styles from "./Panel.module.css";

export default function Account({ you }: { you: You | null }) {
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  // The notice stays after a reconnect (which says only "anonymous") until someone signs in again.
  const [ended, setEnded] = useState(false);
  const [told, setTold] = useState(you);
  if (you !== told) {
    // Adjusted while rendering, as each new `you` arrives (React's pattern for state that follows a prop).
    setTold(you);
    if (you?.ended) setEnded(true);
    else if (you?.via === "session") setEnded(false);
  }

  // While signing out here, the server's push of "ended" is no news: the reload follows.
  const signOut = async (route: "DELETE /api/session" | "DELETE /api/sessions") => {
    setBusy(true);
    const result = await api(route);
    // A reload starts the panel afresh as what it is now: its socket, name field and controls.
    if (result.ok) return location.reload();
    setBusy(false);
    setError(`Could not sign out: ${result.error}`);
  };

  if (!you) return null;
  return (
    <div className={styles.account} data-testid="account" data-via={you.via}>
      {you.via === "session" ? (
        <>
          <p className={styles.who}>
            Signed in as <strong>{you.name}</strong> ({you.role})
          </p>
          {may(you.role, "manage") && (
            <Link href="/admin" data-testid="admin-link">
              Admin
            </Link>
          )}
          <button type="button" data-testid="sign-out" disabled={busy} onClick={() => signOut("DELETE /api/session")}>
            Sign out
          </button>
          <button type="button" data-testid="sign-out-everywhere" disabled={busy} onClick={() => signOut("DELETE /api/sessions")}>
            Sign out everywhere
          </button>
        </>
      ) : you.via === "token" ? (
        <p className={styles.who}>
          Using the API token <strong>{you.name}</strong> ({you.role})
        </p>
      ) : (
        <>
          <p className={styles.who}>Not signed in{you.role ? ` (${you.role})` : ""}</p>
          <Link href="/signin" data-testid="sign-in-link">
            Sign in
          </Link>
        </>
      )}
      {/* The live region is always there, so what appears in it is announced. */}
      <p className={styles.ended} role="status">
        {ended && you.via !== "session" && !busy && (
          <span data-testid="session-ended">Your session ended; you are anonymous now. Sign in again.</span>
        )}
      </p>
      <p className={styles.accountError} role="alert">
        {error}
      </p>
    </div>
  );
}
