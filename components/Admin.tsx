"use client";
// The admin page: people (their roles, sessions and sign-in links), inviting someone, and the
// audit log. Every action's outcome, good or bad, goes to one status line that is read aloud.
// The server decides who may do what; the page only asks it, and shows what it said.
import Link from "next/link";
import { type FormEvent, useCallback, useEffect, useRef, useState } from "react";
import type { AuditEntry, PersonView, You } from "../lib/protocol";
import { type Role, type TelegraphRole, may } from "../lib/roles";
import { AUDIT_LIMIT, type TelegraphList } from "../lib/routes";
import AuditLog from "./AuditLog";
import { type Result, api, sentence } from "./api";
import Frame from "./Frame";
import PeopleTable, { RoleSelect } from "./PeopleTable";
import { shownInvite } from "./inviteUrl";
import styles from "./Pages.module.css";

type Access = { is: "checking" } | { is: "admin"; you: You } | { is: "refused"; you: You } | { is: "unknown"; error: string };
type Status = { text: string; error: boolean };
/** A sign-in link just made, shown until the next one. */
type Issued = { name: string; link: string; why: "invite" | "reset" };

const byName = (a: PersonView, b: PersonView) => a.name.localeCompare(b.name);

export default function Admin() {
  const [access, setAccess] = useState<Access>({ is: "checking" });
  const [people, setPeople] = useState<PersonView[] | null>(null);
  const [telegraphs, setTelegraphs] = useState<TelegraphList["telegraphs"]>([]);
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [status, setStatus] = useState<Status>({ text: "", error: false });
  /** The person (or "invite") a request is out for: their buttons wait. */
  const [busy, setBusy] = useState<string | null>(null);
  const [issued, setIssued] = useState<Issued | null>(null);
  const [inviteName, setInviteName] = useState("");
  const [inviteRole, setInviteRole] = useState<Role>("crew");
  const linkField = useRef<HTMLInputElement>(null);

  const say = (text: string, error = false) => setStatus({ text: error ? text : sentence(text), error });
  const fail = useCallback((what: string, error: string) => setStatus({ text: `${what}: ${error}`, error: true }), []);

  const loadPeople = useCallback(async () => {
    const result = await api("GET /api/people");
    if (result.ok) {
      setPeople([...result.value.people].sort(byName));
      setTelegraphs(result.value.telegraphs);
    } else fail("Could not list people", result.error);
  }, [fail]);

  const loadAudit = useCallback(async () => {
    const result = await api("GET /api/audit", { query: { limit: AUDIT_LIMIT } });
    if (result.ok) setEntries(result.value.entries);
    else fail("Could not read the audit log", result.error);
  }, [fail]);

  /** People and the log as they are now: others sign in and out meanwhile, and each is a log entry. */
  const refresh = useCallback(() => Promise.all([loadPeople(), loadAudit()]), [loadPeople, loadAudit]);

  useEffect(() => {
    let current = true;
    api("GET /api/session").then((result) => {
      if (!current) return;
      if (!result.ok) return setAccess({ is: "unknown", error: result.error });
      const you = result.value;
      setAccess(may(you.role, "manage") ? { is: "admin", you } : { is: "refused", you });
      if (may(you.role, "manage")) refresh();
    });
    return () => {
      current = false;
    };
  }, [refresh]);

  /** One request for `key`'s row (or the invite form); on success the log has a new entry to show. */
  async function run<T>(key: string, call: Promise<Result<T>>, failed: string, done: (value: T) => string) {
    setBusy(key);
    const result = await call;
    setBusy(null);
    if (!result.ok) return fail(failed, result.error);
    say(done(result.value));
    loadAudit();
  }

  const replace = (person: PersonView) => setPeople((list) => list && list.map((p) => (p.name === person.name ? person : p)));

  const onRole = (person: PersonView, role: Role) => {
    run(
      person.name,
      api("PATCH /api/people/:name", { params: person, body: { role } }),
      `Could not make ${person.name} ${role}`,
      ({ person: changed }) => {
        replace(changed);
        return `${changed.name} is now ${changed.role}`;
      },
    );
  };

  const onTelegraphRole = (person: PersonView, slug: string, role: TelegraphRole | null) => {
    const title = telegraphs.find((telegraph) => telegraph.slug === slug)?.title ?? slug;
    run(
      person.name,
      api("PATCH /api/people/:name/telegraphs/:slug", { params: { name: person.name, slug }, body: { role } }),
      `Could not change ${person.name}'s role on ${title}`,
      ({ person: changed }) => {
        replace(changed);
        return role === null
          ? `${changed.name} has their own role (${changed.role}) on ${title} again`
          : `${changed.name} is now ${role} on ${title}`;
      },
    );
  };

  const onSignOut = (person: PersonView) =>
    run(person.name, api("DELETE /api/people/:name/sessions", { params: person }), `Could not sign ${person.name} out`, ({ person: changed }) => {
      replace(changed);
      return `${changed.name} is signed out everywhere`;
    });

  const onReset = (person: PersonView) => {
    if (!confirm(`Forget ${person.name}'s password, sign them out everywhere, and make a new sign-in link?`)) return;
    run(
      person.name,
      api("POST /api/people/:name/reset", { params: person }),
      `Could not make a new link for ${person.name}`,
      ({ person: changed, link }) => {
        replace(changed);
        setIssued({ name: changed.name, link: shownInvite(link, location.href), why: "reset" });
        return `${changed.name}'s password is forgotten: give them the new sign-in link below`;
      },
    );
  };

  const onRemove = (person: PersonView) => {
    if (!confirm(`Remove ${person.name}? They are signed out everywhere and can no longer sign in.`)) return;
    run(person.name, api("DELETE /api/people/:name", { params: person }), `Could not remove ${person.name}`, ({ person: gone }) => {
      setPeople((list) => list && list.filter((p) => p.name !== gone.name));
      setIssued((shown) => (shown?.name === gone.name ? null : shown));
      return `${gone.name} is removed`;
    });
  };

  const onInvite = (event: FormEvent) => {
    event.preventDefault();
    const body = { name: inviteName.trim(), role: inviteRole };
    run("invite", api("POST /api/people", { body }), `Could not invite ${body.name || "them"}`, ({ person, link }) => {
      setPeople((list) => [...(list ?? []).filter((p) => p.name !== person.name), person].sort(byName));
      setIssued({ name: person.name, link: shownInvite(link, location.href), why: "invite" });
      setInviteName("");
      return `${person.name} is invited as ${person.role}: give them the sign-in link below`;
    });
  };

  const onCopy = async () => {
    const field = linkField.current;
    if (!field) return;
    field.select();
    try {
      // Only in a secure context (https, localhost): not on a plain-HTTP LAN address.
      await navigator.clipboard.writeText(field.value);
      say("Copied the link");
    } catch {
      say(document.execCommand("copy") ? "Copied the link" : "The link is selected: copy it with Ctrl+C (⌘C on a Mac)");
    }
  };

  if (access.is !== "admin") {
    return (
      <Frame title="Admin">
        {access.is === "checking" && <p className={styles.muted}>Checking who you are…</p>}
        {access.is === "unknown" && (
          <p className={styles.error} role="alert">
            Could not check who you are: {access.error}
          </p>
        )}
        {access.is === "refused" && (
          <div className={styles.card} data-testid="admin-refused">
            <p>
              The admin page is for admins; <Link href="/signin">sign in</Link> as one.
            </p>
            {access.you.via === "session" && (
              <p className={styles.muted}>
                You are signed in as {access.you.name} ({access.you.role}).
              </p>
            )}
          </div>
        )}
      </Frame>
    );
  }

  return (
    <Frame title="Admin" wide>
      <p className={styles.muted}>
        Signed in as {access.you.name} ({access.you.role}).
      </p>
      <p className={styles.status} data-state={status.error ? "error" : "ok"} role="status" aria-live="polite" data-testid="admin-status">
        {status.text}
      </p>

      <section className={styles.card} aria-labelledby="people-heading">
        <h2 id="people-heading">People</h2>
        {people === null ? (
          <p className={styles.muted}>Loading…</p>
        ) : (
          <PeopleTable
            people={people}
            telegraphs={telegraphs}
            busy={busy}
            onRole={onRole}
            onTelegraphRole={onTelegraphRole}
            onSignOut={onSignOut}
            onReset={onReset}
            onRemove={onRemove}
          />
        )}
      </section>

      <section className={styles.card} aria-labelledby="invite-heading">
        <h2 id="invite-heading">Invite someone</h2>
        <form className={styles.inline} onSubmit={onInvite}>
          <label className={styles.field}>
            Name
            <input value={inviteName} onChange={(e) => setInviteName(e.target.value)} maxLength={40} autoComplete="off" required />
          </label>
          <label className={styles.field}>
            Role
            <RoleSelect value={inviteRole} onChange={setInviteRole} />
          </label>
          <button type="submit" disabled={busy === "invite"}>
            Invite
          </button>
        </form>
        {issued && (
          <div className={styles.form}>
            <label className={styles.field}>
              {issued.why === "invite" ? `${issued.name}'s sign-in link` : `${issued.name}'s new sign-in link`} (works once, for 24 hours)
              <span className={styles.link}>
                <input ref={linkField} value={issued.link} readOnly data-testid="invite-link" onFocus={(e) => e.target.select()} />
                <button type="button" className={styles.small} onClick={onCopy}>
                  Copy
                </button>
              </span>
            </label>
            <p className={styles.muted}>Send it to {issued.name} yourself; it is shown only now.</p>
          </div>
        )}
      </section>

      <AuditLog entries={entries} onRefresh={refresh} />
    </Frame>
  );
}
