"use client";
// The whole panel: the telegraph's dial, what it says in words, the bell, and the deliberate
// "Send an order" control kept apart from the dial so nobody gives an order while answering.
import Link from "next/link";
import { type FormEvent, useEffect, useEffectEvent, useState, useSyncExternalStore } from "react";
import type { Order, PastOrder, Reply, Snapshot } from "../lib/protocol";
import { may, refusal } from "../lib/roles";
import Account from "./Account";
import Dial from "./Dial";
import Listening from "./Listening";
import Notifications from "./Notifications";
import styles from "./Panel.module.css";
import SoundControls from "./SoundControls";
import { useBell } from "./useBell";
import { useRepeat } from "./useRepeat";
import { useNotify } from "./useNotify";
import { usePreferences } from "./usePreferences";
import { type Connection, useTelegraph } from "./useTelegraph";
import { useTitleFlag } from "./useTitleFlag";
import { describeAnswer, describeLink, describeOrder, describePast, describeReceipts, describeStatus, describeTelegraph, time } from "../lib/words";

const NAME_KEY = "chadburn.name";
const SEEN_KEY = "chadburn.seen";

/** The last order this tab saw, and the store it came from (Snapshot.epoch). */
type Seen = Pick<Order, "seq" | "at"> & { epoch?: string };

/** Where this tab keeps the last order seen of the telegraph: the default's under the key from before several telegraphs. */
const seenKey = (telegraph?: string) => (telegraph ? `${SEEN_KEY}.${telegraph}` : SEEN_KEY);

function lastSeen(key: string): Seen | null {
  try {
    return JSON.parse(sessionStorage.getItem(key) ?? "null");
  } catch {
    return null;
  }
}

/** Later than what was seen: a higher seq from the same store; from a new store (its seq starts again), a later time. */
const isNewer = (order: Seen, seen: Seen, epoch: string) => (seen.epoch === epoch ? order.seq > seen.seq : order.at > seen.at);

/** What this tab made of the snapshots so far. */
interface Reading {
  /** The snapshot last read. */
  snapshot: Snapshot | null;
  /** The last order this tab saw; undefined until read from sessionStorage. */
  seen: Seen | null | undefined;
  /** The latest order to reach this panel, and whether it was new here (it rings) or not (only delivered). */
  arrival: { order: Order; isNew: boolean } | null;
  /** The latest order new here, for the screen reader. */
  announcement: string;
  /** Orders that came and went while away, besides the latest new one. */
  missed: PastOrder[];
}

const NOTHING_READ: Reading = { snapshot: null, seen: undefined, arrival: null, announcement: "", missed: [] };

/**
 * A new order rings, including one that came while this panel was away (asleep, offline, the
 * server restarting). The last order seen is kept per tab, so a reload does not ring again and
 * a tab opened fresh does not ring for an order older than itself.
 */
function read(before: Reading, snapshot: Snapshot, seen: Seen | null): Reading {
  const { order: now, epoch } = snapshot;
  const next = { ...before, snapshot, seen: now ? { seq: now.seq, at: now.at, epoch } : (seen ?? { seq: 0, at: "", epoch }) };
  if (!now || now.seq === before.arrival?.order.seq) return next;
  if (!seen || !isNewer(now, seen, epoch)) return { ...next, arrival: { order: now, isNew: false } };
  const missed = snapshot.history.filter((p) => isNewer(p.order, seen, epoch) && p.order.seq !== now.seq);
  return { ...next, arrival: { order: now, isNew: true }, announcement: `New order: ${now.label}`, missed };
}

/**
 * The name typed here, kept in localStorage for the next visit. Read once per page (another tab's
 * typing does not rename this one), and only in the browser: the server renders no name.
 */
let typedName: string | undefined;
const nameListeners = new Set<() => void>();
const nameStore = {
  subscribe(listener: () => void) {
    nameListeners.add(listener);
    return () => void nameListeners.delete(listener);
  },
  get: () => (typedName ??= localStorage.getItem(NAME_KEY) ?? ""),
  set(value: string) {
    typedName = value;
    localStorage.setItem(NAME_KEY, value);
    for (const listener of nameListeners) listener();
  },
};
const noName = () => "";

const CONNECTION_TEXT: Record<Connection, string> = {
  connected: "connected",
  paused: "live updates paused",
  reconnecting: "reconnecting…",
  offline: "offline",
  restarting: "server restarting",
  refused: "not admitted",
};

/**
 * `telegraph`: the slug of the telegraph this panel follows (/t/<slug>); undefined: the server's
 * default (/). `title`: shown beside the name when the server has several. `isDefault`: it is the
 * default telegraph (at / or /t/<its slug>), whose notification choices, pushes and notifications
 * are those from before several telegraphs (no slug in their keys, tag or links).
 */
export default function Panel({
  telegraph,
  title,
  isDefault = telegraph === undefined,
}: {
  telegraph?: string;
  title?: string;
  isDefault?: boolean;
}) {
  const name = useSyncExternalStore(nameStore.subscribe, nameStore.get, noName);
  const {
    snapshot,
    presence,
    receipts,
    you,
    connection,
    pausedSince,
    refusal: refusedFor,
    sendOrder,
    sendAnswer,
    report,
  } = useTelegraph(name, telegraph);
  /** The telegraph as its pushes name it (lib/push.ts PushedTelegraph): its choices and notifications are its own. */
  const slug = isDefault ? undefined : telegraph;
  const bell = useBell(slug);
  const [toSend, setToSend] = useState("");
  const [sending, setSending] = useState(false);
  const [error, setError] = useState("");
  const [reading, setReading] = useState(NOTHING_READ);
  const preferences = usePreferences(slug);
  const unanswered = snapshot?.order && !snapshot.acknowledged ? snapshot.order : null;
  // The bell, a vibration and a notification, as this person chose for the order's position.
  const announce = useNotify(bell.ring, preferences, unanswered, { slug, title });
  useTitleFlag(unanswered);
  useRepeat(snapshot, (order) => preferences.rings(order.name) && bell.ring());

  // Each snapshot read once, as it comes; the last order seen is read with the first (in the browser).
  if (snapshot && snapshot !== reading.snapshot)
    setReading(read(reading, snapshot, reading.seen === undefined ? lastSeen(seenKey(telegraph)) : reading.seen));
  const { seen, arrival, announcement, missed } = reading;

  useEffect(() => {
    if (seen) sessionStorage.setItem(seenKey(telegraph), JSON.stringify(seen));
  }, [seen, telegraph]);

  // Each order is reported once: what the bell did, or only that it arrived.
  const hear = useEffectEvent(({ order, isNew }: NonNullable<Reading["arrival"]>) =>
    report({ seq: order.seq, heard: isNew ? announce(order) : "delivered" }),
  );
  useEffect(() => {
    if (arrival) hear(arrival);
  }, [arrival]);

  const connected = connection === "connected";
  // What this panel may do, as the server told it (until then, nothing).
  const mayAnswer = may(you?.role ?? null, "answer");
  const mayOrder = may(you?.role ?? null, "order");
  // Signed in, orders and answers are in the account's name (the server sees to it): no name field.
  const signedIn = you?.via === "session";
  const by = signedIn ? "" : name;
  const settle = (reply: Reply) => setError(reply.ok ? "" : reply.error);

  const onAnswer = async (position: number) => settle(await sendAnswer(position, by));

  const onSendOrder = async (event: FormEvent) => {
    event.preventDefault();
    if (!toSend) return;
    setSending(true);
    const reply = await sendOrder(Number(toSend), by);
    setSending(false);
    settle(reply);
    if (reply.ok) setToSend("");
  };

  return (
    <main className={styles.panel}>
      <header className={styles.bar}>
        <h1 className={styles.brand}>
          Chadburn
          {title && (
            <span className={styles.title} data-testid="telegraph-title">
              {" "}
              · {title}
            </span>
          )}
        </h1>
        <p className={styles.connection} data-testid="connection" data-state={connection}>
          {CONNECTION_TEXT[connection]}
          {refusedFor && `: ${refusedFor}`}
          {pausedSince && connection === "paused" && ` since ${time(pausedSince)}`}
        </p>
        {snapshot && (
          <p className={styles.connection} data-testid="telegraph" data-state={snapshot.telegraph.connected ? "connected" : "offline"}>
            {describeTelegraph(snapshot.telegraph)}
          </p>
        )}
        <SoundControls bell={bell} />
        <Notifications face={snapshot?.face ?? null} preferences={preferences} slug={slug} />
        <Link href={telegraph ? `/t/${telegraph}/history` : "/history"} data-testid="history-link">
          History
        </Link>
        <Account you={you} />
      </header>

      <section className={styles.dialArea} aria-label="Telegraph">
        <Dial
          face={snapshot?.face ?? null}
          order={snapshot?.order?.position ?? null}
          answer={snapshot?.answer?.position ?? null}
          onAnswer={onAnswer}
          disabled={!connected || !mayAnswer}
        />
        <p className={styles.help} data-testid="answer-help">
          {connection === "refused"
            ? `Not admitted${snapshot ? ": the panel shows the telegraph as it was when the server let it go" : ""}.`
            : connection === "paused"
              ? "Answering waits until live updates are back: the server cannot reach the telegraph's writer now."
              : !connected
                ? "Answering waits until the panel is connected again."
                : mayAnswer
                  ? "Click a sector of the dial to answer the order."
                  : `Watching only: ${refusal("answer")}.`}
        </p>
      </section>

      <section className={styles.info}>
        <dl className={styles.readout}>
          <dt>Order</dt>
          <dd data-testid="order" className={styles.order}>
            {snapshot ? describeOrder(snapshot.order) : "—"}
          </dd>
          <dt>Answer</dt>
          <dd data-testid="answer">{snapshot ? describeAnswer(snapshot.answer, snapshot.order, snapshot.face) : "—"}</dd>
          <dt>Status</dt>
          <dd data-testid="acknowledged" className={unanswered ? styles.waiting : styles.settled}>
            {describeStatus(snapshot)}
          </dd>
        </dl>
        {snapshot?.order && (
          <p className={styles.receipts} data-testid="receipts">
            {describeReceipts(snapshot, receipts)}
          </p>
        )}

        {missed.length > 0 && (
          <section className={styles.missed} data-testid="missed" aria-label="While you were away">
            <h2>While you were away</h2>
            <ul>
              {missed.map((p) => (
                <li key={p.order.seq}>{describePast(p)}</li>
              ))}
            </ul>
            <button type="button" onClick={() => setReading((r) => ({ ...r, missed: [] }))}>
              Dismiss
            </button>
          </section>
        )}

        {snapshot?.links
          .filter((l) => l.state === "error")
          .map((l) => (
            <p key={l.link} className={styles.error} data-testid="link-error">
              {describeLink(l)}
            </p>
          ))}

        <p role="alert" data-testid="error" className={styles.error}>
          {error}
        </p>

        {!signedIn && (
          <label className={styles.field}>
            Your name
            <input value={name} maxLength={40} autoComplete="name" onChange={(e) => nameStore.set(e.target.value)} />
          </label>
        )}

        <form className={styles.send} onSubmit={onSendOrder}>
          <h2>Send an order</h2>
          <label className={styles.field}>
            Order to send
            <select value={toSend} onChange={(e) => setToSend(e.target.value)} disabled={!snapshot || !mayOrder}>
              <option value="" disabled>
                Choose a position…
              </option>
              {snapshot?.face.map((p) => (
                <option key={p.position} value={p.position}>
                  {p.label}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" disabled={!toSend || !connected || sending || !mayOrder}>
            Send order
          </button>
          {you && !mayOrder && (
            <p className={styles.help} data-testid="order-help">
              {refusal("order").replace(/^./, (c) => c.toUpperCase())}.
            </p>
          )}
        </form>

        {presence && <Listening presence={presence} />}
      </section>

      <p aria-live="assertive" className={styles.visuallyHidden} data-testid="announcer">
        {announcement}
      </p>
    </main>
  );
}
