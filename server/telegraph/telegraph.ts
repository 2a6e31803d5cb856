// The telegraph's rules, pure: state + event → new state + effects. No I/O and no clock:
// the time of every event comes in with it, so the adapters and tests decide what "now" is.
import {
  type Answer,
  type Face,
  HISTORY_LENGTH,
  type LinkHealth,
  type LinkName,
  type Order,
  type PastOrder,
  type PositionRef,
  type Snapshot,
  type Source,
  type TelegraphPresence,
} from "../../lib/protocol";
import { findPosition, unknownPosition } from "./face";

export interface TelegraphState {
  face: Face;
  order: Order | null;
  answer: Answer | null;
  telegraph: TelegraphPresence;
  history: PastOrder[];
  links: LinkHealth[];
}

/** A change worth keeping across restarts: the journal holds one per line. */
export type JournalEntry = { order: Order } | { answer: Answer };

/** What a link says of the telegraph: connected or not, and who it is. */
export type Presence = Omit<TelegraphPresence, "since">;

export type TelegraphEvent =
  /** `link`: the link an order from the telegraph came through. */
  | { type: "order"; position: PositionRef; source: Source; by?: string; link?: LinkName; at: string }
  | { type: "answer"; position: PositionRef; by?: string; at: string }
  | ({ type: "presence"; at: string } & Presence)
  | { type: "link-health"; health: LinkHealth; at: string };

/** What the adapters must do after a step. */
export type Effect =
  /** Every link but `except` (the one it came through) must hold this order. */
  | { type: "tell-order"; position: number; except?: LinkName }
  /** Every link must tell the telegraph this answer. */
  | { type: "tell-answer"; position: number }
  /** Every panel must see the new snapshot. */
  | { type: "broadcast" }
  /** The journal must keep this change. */
  | { type: "journal"; entry: JournalEntry };

export type Step =
  | { ok: true; state: TelegraphState; effects: Effect[] }
  | { ok: false; error: string };

export function initial(face: Face, telegraph: TelegraphPresence): TelegraphState {
  return { face, order: null, answer: null, telegraph, history: [], links: [] };
}

export function step(state: TelegraphState, event: TelegraphEvent): Step {
  if (event.type === "presence") return presence(state, event);
  if (event.type === "link-health") return linkHealth(state, event.health);
  const found = findPosition(state.face, event.position);
  if (!found) return { ok: false, error: unknownPosition(state.face, event.position) };
  const { position } = found;

  if (event.type === "order") {
    // The same order again (a writer repeating itself, or our own write coming back) is not news.
    if (state.order?.position === position) return { ok: true, state, effects: [] };
    const order: Order = {
      position,
      name: found.name,
      label: found.label,
      seq: (state.order?.seq ?? 0) + 1,
      at: event.at,
      source: event.source,
      ...(event.by && { by: event.by }),
    };
    const tell: Effect = { type: "tell-order", position, ...(event.link && { except: event.link }) };
    return { ok: true, state: replay(state, { order }), effects: [tell, { type: "broadcast" }, { type: "journal", entry: { order } }] };
  }

  const seq = state.order?.seq ?? 0;
  if (state.answer?.position === position && state.answer.seq === seq) return { ok: true, state, effects: [] };
  const answer: Answer = { position, at: event.at, seq, ...(event.by && { by: event.by }) };
  return {
    ok: true,
    state: replay(state, { answer }),
    effects: [{ type: "tell-answer", position }, { type: "broadcast" }, { type: "journal", entry: { answer } }],
  };
}

/** Applies a change: a new order joins the history; the first answer that acknowledges it stays beside it. */
export function replay(state: TelegraphState, entry: JournalEntry): TelegraphState {
  if ("order" in entry) {
    const history = [...state.history, { order: entry.order, answer: null }].slice(-HISTORY_LENGTH);
    return { ...state, order: entry.order, history };
  }
  const { answer } = entry;
  const history = state.history.map((past) => (!past.answer && acknowledges(answer, past.order) ? { ...past, answer } : past));
  return { ...state, answer, history };
}

/** Whether two descriptions agree on every one of these fields. */
const same = <T>(a: T, b: T, keys: (keyof T)[]) => keys.every((key) => a[key] === b[key]);

const HEALTH: (keyof LinkHealth)[] = ["link", "state", "error", "at"];

/** A link's health, shown to every panel when it changes (the status file unreadable, say). */
function linkHealth(state: TelegraphState, health: LinkHealth): Step {
  const was = state.links.find((l) => l.link === health.link);
  if (was && same(was, health, HEALTH)) return { ok: true, state, effects: [] };
  const links = [...state.links.filter((l) => l.link !== health.link), health].sort((a, b) => a.link.localeCompare(b.link));
  return { ok: true, state: { ...state, links }, effects: [{ type: "broadcast" }] };
}

const PRESENCE: (keyof Presence)[] = ["link", "connected", "device", "name", "firmware"];

/** The link's news about the telegraph; `since` moves only when `connected` changes. */
function presence(state: TelegraphState, { type: _, at, ...said }: Extract<TelegraphEvent, { type: "presence" }>): Step {
  const was = state.telegraph;
  if (same<Presence>(said, was, PRESENCE)) return { ok: true, state, effects: [] };
  const telegraph = { ...said, since: said.connected === was.connected ? was.since : at };
  return { ok: true, state: { ...state, telegraph }, effects: [{ type: "broadcast" }] };
}

/** An answer acknowledges the order it was given to, when it names the same position. */
const acknowledges = (answer: Answer, order: Order) => answer.seq === order.seq && answer.position === order.position;

export function acknowledged({ order, answer }: TelegraphState): boolean {
  return !!order && !!answer && acknowledges(answer, order);
}

export function snapshot(state: TelegraphState): Snapshot {
  const { order, answer, face, telegraph, history, links } = state;
  return { order, answer, acknowledged: acknowledged(state), face, telegraph, history, links };
}

/**
 * The state after a restart: the journal's changes replayed, seq and history with them. With no
 * journal (a first start, or one deleted), what the two files held: the status file's order as
 * seq 1 and the accept file's answer, taken as given to that order.
 */
export function restore(
  face: Face,
  telegraph: TelegraphPresence,
  journal: JournalEntry[],
  saved: { order?: { position: number; at: string }; answer?: { position: number; at: string } },
): TelegraphState {
  let state = initial(face, telegraph);
  if (journal.length) return journal.reduce(replay, state);
  const apply = (event: TelegraphEvent) => {
    const result = step(state, event);
    if (result.ok) state = result.state;
  };
  if (saved.order) apply({ type: "order", source: "telegraph", ...saved.order });
  if (saved.answer) apply({ type: "answer", ...saved.answer });
  return state;
}
