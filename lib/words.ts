// The panel's words: what the telegraph, an order, an answer and the listeners say, in one place.
import { labelOf, positionOf } from "./face";
import type { HistoryOrder } from "./history";
import {
  type Answer,
  type Face,
  type FacePosition,
  LINK_TROUBLE,
  type LinkHealth,
  type Order,
  type PastOrder,
  type Presence,
  type Receipts,
  type Snapshot,
  type TelegraphConnection,
} from "./protocol";
import type { PushOrder } from "./push";

export function describeTelegraph(telegraph: TelegraphConnection): string {
  if (!telegraph.connected) return `telegraph disconnected since ${time(telegraph.since)}`;
  if (telegraph.link === "status-file") return "telegraph: status file";
  if (telegraph.link === "none") return "telegraph: panels only";
  return `telegraph connected${telegraph.name ? ` (${telegraph.name} ${telegraph.firmware})` : ""}`;
}

/** "status file unreadable since 10:32: it is a directory"; `when` writes the time (the panel's clock, or ISO for /healthz). */
export function describeLink({ link, error, since }: LinkHealth, when: (iso: string) => string = time): string {
  return `${LINK_TROUBLE[link]}${since ? ` since ${when(since)}` : ""}: ${error}`;
}

/** "COFFEE 10:02, answered by Ann 10:03". */
export function describePast({ order, answer }: PastOrder): string {
  const answered = answer ? `, answered${answer.by ? ` by ${answer.by}` : ""} ${time(answer.at)}` : "";
  return `${order.label} ${time(order.at)}${answered}`;
}

/**
 * "acknowledged", "waiting for answers: 1 of 3 answered", "waiting for an answer; rings every 15 s
 * until answered; clears at 10:42", "COFFEE expired at 10:42".
 */
export function describeStatus(snapshot: Snapshot | null): string {
  if (!snapshot) return "—";
  const { order, acknowledged, answered, face, history } = snapshot;
  if (!order) {
    const last = history.at(-1);
    return last?.expired ? `${last.order.label} expired at ${time(last.expired)}` : "no order yet";
  }
  const count = order.required ? `${answered} of ${order.required} answered` : "";
  if (acknowledged) return count ? `acknowledged (${count})` : "acknowledged";
  const parts = [count ? `waiting for answers: ${count}` : "waiting for an answer"];
  const repeat = positionOf(face, order.position)?.repeat;
  if (repeat) parts.push(`rings every ${repeat} s until answered`);
  if (order.expires) parts.push(`clears at ${time(order.expires)}`);
  return parts.join("; ");
}

export const time = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });

/** Date and time, for lists that span days (people, the audit log). */
export const when = (iso: string) => new Date(iso).toLocaleString();

/** "COFFEE — sent by Ann from a panel at 10:32". */
export function describeOrder(order: Order | null): string {
  return order ? `${order.label} — ${describeOrigin(order)}` : "no order yet";
}

/** "Chadburn: COFFEE", or "Chadburn · Workshop: COFFEE" when the server has several telegraphs; the same from the panel and from the service worker. */
export const notificationTitle = (order: Pick<PushOrder, "label" | "title">) => `Chadburn${order.title ? ` · ${order.title}` : ""}: ${order.label}`;

/** "sent by Ann from a panel at 10:32", "from the telegraph at 10:02": an order without its label (a notification's title has it). */
export const describeOrigin = (order: Order): string => `${describeSender(order)} at ${time(order.at)}`;

/** "sent by Ann from a panel", "from the telegraph", "sent through the API", "sent over MQTT": who gave an order, and how. */
export function describeSender({ by, source }: Pick<Order, "by" | "source">): string {
  const sent = by ? `sent by ${by} ` : "sent ";
  return { telegraph: "from the telegraph", panel: `${sent}from a panel`, api: `${sent}through the API`, mqtt: `${sent}over MQTT` }[source];
}

export function describeAnswer(answer: Answer | null, order: Order | null, face: Face): string {
  if (!answer) return "no answer yet";
  const earlier = order && answer.seq !== order.seq ? " (to an earlier order)" : "";
  return `${labelOf(face, answer.position)} — answered${answer.by ? ` by ${answer.by}` : ""} at ${time(answer.at)}${earlier}`;
}

/** "in 42 s", "in 3 min 5 s", "in 2 h 10 min". */
export const after = (fromIso: string, toIso: string): string => `in ${duration(Date.parse(toIso) - Date.parse(fromIso))}`;

/** "42 s", "3 min 5 s", "2 h 10 min": a wait, to the second. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ""}`;
  return `${Math.floor(s / 3600)} h${Math.floor(s / 60) % 60 ? ` ${Math.floor(s / 60) % 60} min` : ""}`;
}

/** What became of an order in the history: "answered in 42 s", "expired at 10:42, not answered", "not answered". */
export function describeOutcome({ firstAnswerMs, expiredAt }: Pick<HistoryOrder, "firstAnswerMs" | "expiredAt">): string {
  if (firstAnswerMs !== null) return `answered in ${duration(firstAnswerMs)}`;
  return expiredAt ? `expired at ${time(expiredAt)}, not answered` : "not answered";
}

const count = (n: number, thing: string) => `${n} ${thing}${n === 1 ? "" : "s"}`;

/** "COFFEE: delivered to 7, rang on 5, muted on 1, sound blocked on 1, answered by Ann in 42 s". */
export function describeReceipts(snapshot: Snapshot, latest: Receipts | null): string | null {
  const { order, answer, acknowledged } = snapshot;
  if (!order) return null;
  const parts: string[] = [];
  const receipts = latest?.seq === order.seq ? latest : null;
  if (receipts) {
    parts.push(`delivered to ${receipts.delivered}`);
    if (receipts.rang) parts.push(`rang on ${receipts.rang}`);
    if (receipts.muted) parts.push(`muted on ${receipts.muted}`);
    if (receipts.blocked) parts.push(`sound blocked on ${receipts.blocked}`);
  }
  if (order.required && !acknowledged) parts.push(`${snapshot.answered} of ${order.required} answered`);
  else parts.push(acknowledged && answer ? `answered${answer.by ? ` by ${answer.by}` : ""} ${after(order.at, answer.at)}` : "not answered yet");
  return `${order.label}: ${parts.join(", ")}`;
}

/** "Ann (2 panels), Bob, 48 others and 2 unnamed panels", or "nobody". */
export function describeListening(presence: Presence): string {
  const here = presence.people.filter((p) => p.panels > 0).map((p) => (p.panels > 1 ? `${p.name} (${count(p.panels, "panel")})` : p.name));
  if (presence.others) here.push(count(presence.others, "other"));
  if (presence.unnamed) here.push(count(presence.unnamed, "unnamed panel"));
  if (!here.length) return "nobody";
  return here.length === 1 ? here[0] : `${here.slice(0, -1).join(", ")} and ${here.at(-1)}`;
}

/** "Cy (last seen 10:32), Dee (last seen 09:58)": people gone lately. */
export function describeGone(presence: Presence): string | null {
  const gone = presence.people.filter((p) => p.panels === 0);
  return gone.length ? gone.map((p) => `${p.name} (last seen ${time(p.lastSeen)})`).join(", ") : null;
}

/** How a position insists, for its tooltip: "rings every 15 s until answered; cleared after 10 min; needs 2 answers". */
export function describeInsisting({ repeat, expires, quorum }: FacePosition): string | null {
  const parts = [
    repeat && `rings every ${repeat} s until answered`,
    expires && `cleared after ${expires % 60 ? `${expires} s` : `${expires / 60} min`}`,
    quorum === "everyone" ? "needs everyone's answer" : typeof quorum === "number" && quorum > 1 && `needs ${quorum} answers`,
  ].filter(Boolean);
  return parts.length ? parts.join("; ") : null;
}

/** The same as marks on the dial: ↻ repeats, ⏱ expires, ×2 or "all" for a quorum. */
export function insistingMarks({ repeat, expires, quorum }: FacePosition): string {
  const marks = [repeat && "↻", expires && "⏱", quorum === "everyone" ? "all" : typeof quorum === "number" && quorum > 1 && `×${quorum}`];
  return marks.filter(Boolean).join(" ");
}
