// The telegraph's rules, pure: state + event → new state + the facts that took effect. No I/O and no clock:
// the time of every event comes in with it, so the adapters and tests decide what "now" is.
import { withAcknowledgement, withExpiry, withLink, withOrder } from "../../lib/change";
import {
  type Answer,
  type Change,
  type Face,
  type FacePosition,
  type LinkHealth,
  type LinkName,
  MAX_QUORUM,
  type Order,
  type PastOrder,
  type Snapshot,
  type Source,
  type TelegraphConnection,
} from "../../lib/protocol";

export interface TelegraphState {
  face: Face;
  order: Order | null;
  answer: Answer | null;
  /** Each answerer's latest answer to the current order: how many agree decides a quorum. */
  votes: Record<string, number>;
  /**
   * How many answerers `votes` holds, and how many name the current order's position: kept up as
   * answers come, so that an answer costs the same with 1 answerer or MAX_ANSWERERS.
   */
  counted: Counted;
  telegraph: TelegraphConnection;
  history: PastOrder[];
  links: LinkHealth[];
  /** The last seq given: the next order's is one more, however short the history (after an import, say). */
  seq: number;
  /** The store's id (Snapshot.epoch), handed in at restore: the core makes no randomness. */
  epoch: string;
  /** Changes the panels have seen since the server started (Snapshot.version): one per step that took effect. */
  version: number;
}

/** What is worth keeping across restarts: the store (server/store/memory.ts) keeps each as an event. */
export type Kept = { order: Order } | { answer: Answer; answerer?: string } | { expire: { seq: number; at: string } };

/** See TelegraphState.counted. */
export interface Counted {
  answerers: number;
  agreeing: number;
}

/**
 * Answerers one order may have: twice the largest quorum (MAX_QUORUM), and few enough that an
 * answer stays cheap (the votes are copied: the core is pure). Past it, only those who answered
 * already may answer again, until the next order.
 */
export const MAX_ANSWERERS = 2 * MAX_QUORUM;

/** What the store gives back at start: enough to carry on where the last run stopped. */
export type Remembered = Pick<TelegraphState, "order" | "answer" | "votes" | "history" | "seq" | "epoch">;

/** What a link says of the telegraph: connected or not, and who it is. */
export type TelegraphSaid = Omit<TelegraphConnection, "since">;

/** Who an order or answer came from, for the store's events (and so the audit log) and the metrics. */
export interface From {
  who?: string;
  /** The client's network address (an order from the telegraph names its link instead: Fact.link). */
  address?: string;
  /** Where it came in: an answer carries no source of its own (an order does). */
  source?: Source;
}

/**
 * What happens to the telegraph. Positions come resolved: the link or gateway that read them
 * turned text into a face position once, and refused what the face does not have.
 */
export type TelegraphEvent =
  /** `link`: the link an order from the telegraph came through; `listening`: people listening now who may answer (a quorum of everyone). */
  | { type: "order"; position: FacePosition; source: Source; by?: string; link?: LinkName; listening?: number; at: string; from?: From }
  /** `answerer`: who answers (a person, a token, a panel), so that a quorum counts people, not clicks. */
  | { type: "answer"; position: FacePosition; by?: string; answerer?: string; at: string; from?: From }
  /** The order `seq`'s time is up (its position expires). */
  | { type: "expire"; seq: number; at: string }
  | ({ type: "telegraph"; at: string } & TelegraphSaid)
  | { type: "link"; health: LinkHealth; at: string };

/**
 * What took effect, with all a consumer needs: none works it out again from snapshots. The server
 * publishes each on its bus (server/telegraph/bus.ts); links, store, panels, push, metrics and the
 * log subscribe.
 */
export type Fact =
  /** A new order; `link`: the link it came through (which holds it already). */
  | { type: "ordered"; order: Order; link?: LinkName; from?: From }
  /** An answer; `acknowledges`: the order it is the first to acknowledge (alone, or completing its quorum). */
  | { type: "answered"; answer: Answer; answerer?: string; acknowledges?: Order; from?: From }
  /** The order's time is up: it left the panels. */
  | { type: "expired"; order: Order; at: string }
  | { type: "telegraph-changed"; telegraph: TelegraphConnection }
  | { type: "link-changed"; health: LinkHealth };

export type Step = { ok: true; state: TelegraphState; facts: Fact[] } | { ok: false; error: string };

const unchanged = (state: TelegraphState): Step => ({ ok: true, state, facts: [] });

export function initial(face: Face, telegraph: TelegraphConnection, epoch = ""): TelegraphState {
  return { face, order: null, answer: null, votes: {}, counted: NONE_COUNTED, telegraph, history: [], links: [], seq: 0, epoch, version: 0 };
}

/** The state after an event, and what took effect: at most one fact, one new version of what panels see. */
export function step(state: TelegraphState, event: TelegraphEvent): Step {
  const result = rules(state, event);
  return result.ok && result.facts.length ? { ...result, state: { ...result.state, version: state.version + 1 } } : result;
}

function rules(state: TelegraphState, event: TelegraphEvent): Step {
  if (event.type === "telegraph") return telegraph(state, event);
  if (event.type === "link") return linkHealth(state, event.health);
  if (event.type === "expire") return expire(state, event);
  const place = event.position; // resolved at the edge: the face's own entry
  const { position } = place;

  if (event.type === "order") {
    // The same order again (a writer repeating itself) is not news.
    if (state.order?.position === position) return unchanged(state);
    // Everyone: those listening, but never more than a quorum may be (a crowd of idle connections
    // must not make an order that can never be acknowledged).
    const required =
      place.quorum === "everyone" ? Math.min(MAX_QUORUM, Math.max(1, event.listening ?? 1)) : place.quorum === "anyone" ? 1 : (place.quorum ?? 1);
    const order: Order = {
      position,
      name: place.name,
      label: place.label,
      // From the last seq given, not the history's: after an expiry there is no order, and an
      // imported journal may have lost its orders to answers.
      seq: state.seq + 1,
      at: event.at,
      source: event.source,
      ...(event.by && { by: event.by }),
      ...(required > 1 && { required }),
      ...(place.expires && { expires: new Date(Date.parse(event.at) + place.expires * 1000).toISOString() }),
    };
    const fact: Fact = { type: "ordered", order, ...(event.link && { link: event.link }), ...(event.from && { from: event.from }) };
    return { ok: true, state: replay(state, { order }), facts: [fact] };
  }

  const seq = state.order?.seq ?? 0;
  const answerer = event.answerer ?? "";
  // The same person saying the same again is not news; someone else agreeing is (a quorum).
  if (state.answer?.seq === seq && state.votes[answerer] === position) return unchanged(state);
  if (!Object.hasOwn(state.votes, answerer) && state.counted.answerers >= MAX_ANSWERERS) {
    return { ok: false, error: `${MAX_ANSWERERS} answerers have answered already: until the next order, only they may answer again` };
  }
  const answer: Answer = { position, at: event.at, seq, ...(event.by && { by: event.by }) };
  const next = replay(state, { answer, ...(event.answerer && { answerer: event.answerer }) });
  // The first acknowledging answer stays beside its order in the history (replay).
  const acknowledges = next.history.find((past) => past.answer === answer)?.order;
  const fact: Fact = {
    type: "answered",
    answer,
    ...(event.answerer && { answerer: event.answerer }),
    ...(acknowledges && { acknowledges }),
    ...(event.from && { from: event.from }),
  };
  return { ok: true, state: next, facts: [fact] };
}

/** What the store keeps of a fact, or nothing (link and telegraph news is not kept). */
export function keptOf(fact: Fact): Kept | undefined {
  if (fact.type === "ordered") return { order: fact.order };
  if (fact.type === "answered") return { answer: fact.answer, ...(fact.answerer && { answerer: fact.answerer }) };
  if (fact.type === "expired") return { expire: { seq: fact.order.seq, at: fact.at } };
  return undefined;
}

/** The current order's time is up: no panel shows it any more, and the history says when. */
function expire(state: TelegraphState, { seq, at }: Extract<TelegraphEvent, { type: "expire" }>): Step {
  const order = state.order;
  if (order?.seq !== seq) return unchanged(state);
  return { ok: true, state: replay(state, { expire: { seq, at } }), facts: [{ type: "expired", order, at }] };
}

/**
 * Applies a change: a new order joins the history; the answer that acknowledges it (the first,
 * or the one that completes its quorum) stays beside it; an expired order leaves the panels.
 */
export function replay(state: TelegraphState, change: Kept): TelegraphState {
  if ("order" in change) {
    const history = withOrder(state.history, change.order);
    return { ...state, order: change.order, votes: {}, counted: NONE_COUNTED, history, seq: Math.max(state.seq, change.order.seq) };
  }
  // An answer's or expiry's seq counts too: an old journal may hold them without their order.
  if ("expire" in change) {
    const { seq, at } = change.expire;
    const history = withExpiry(state.history, seq, at);
    return {
      ...state,
      order: state.order?.seq === seq ? null : state.order,
      votes: {},
      counted: NONE_COUNTED,
      history,
      seq: Math.max(state.seq, seq),
    };
  }
  const { answer } = change;
  const answerer = change.answerer ?? "";
  const next = {
    ...state,
    answer,
    votes: { ...state.votes, [answerer]: answer.position },
    counted: recount(state, answerer, answer.position),
    seq: Math.max(state.seq, answer.seq),
  };
  return acknowledged(next) ? { ...next, history: withAcknowledgement(state.history, answer) } : next;
}

const NONE_COUNTED: Counted = { answerers: 0, agreeing: 0 };

/** The counts after `answerer`'s vote becomes `position`: one look at their last vote, not a pass over all. */
function recount({ order, votes, counted }: TelegraphState, answerer: string, position: number): Counted {
  const before = Object.hasOwn(votes, answerer) ? votes[answerer] : undefined;
  const agrees = (p: number | undefined) => (order !== null && p === order.position ? 1 : 0);
  return { answerers: counted.answerers + (before === undefined ? 1 : 0), agreeing: counted.agreeing + agrees(position) - agrees(before) };
}

/** The counts of votes as the store gives them back: counted once, at start. */
function countAll(order: Order | null, votes: Record<string, number>): Counted {
  const all = Object.values(votes);
  return { answerers: all.length, agreeing: order ? all.filter((position) => position === order.position).length : 0 };
}

/** Whether two descriptions agree on every one of these fields. */
const same = <T>(a: T, b: T, keys: (keyof T)[]) => keys.every((key) => a[key] === b[key]);

const HEALTH: (keyof LinkHealth)[] = ["link", "state", "error", "since", "at", "recovered", "polled", "unwatched"];

/** A link's health, shown to every panel when it changes (the status file unreadable, say). */
function linkHealth(state: TelegraphState, health: LinkHealth): Step {
  const was = state.links.find((l) => l.link === health.link);
  if (was && same(was, health, HEALTH)) return unchanged(state);
  return { ok: true, state: { ...state, links: withLink(state.links, health) }, facts: [{ type: "link-changed", health }] };
}

const SAID: (keyof TelegraphSaid)[] = ["link", "connected", "device", "name", "firmware"];

/** The link's news about the telegraph; `since` moves only when `connected` changes. */
function telegraph(state: TelegraphState, { type: _, at, ...said }: Extract<TelegraphEvent, { type: "telegraph" }>): Step {
  const was = state.telegraph;
  if (same<TelegraphSaid>(said, was, SAID)) return unchanged(state);
  const now = { ...said, since: said.connected === was.connected ? was.since : at };
  return { ok: true, state: { ...state, telegraph: now }, facts: [{ type: "telegraph-changed", telegraph: now }] };
}

/** People whose latest answer to the current order names it. */
export function answered({ order, answer, counted }: TelegraphState): number {
  if (!order || answer?.seq !== order.seq) return 0;
  return counted.agreeing;
}

/** Enough people answered the current order with its own position: one, or its quorum. */
export function acknowledged(state: TelegraphState): boolean {
  return !!state.order && answered(state) >= (state.order.required ?? 1);
}

export function snapshot(state: TelegraphState): Snapshot {
  const { order, answer, face, telegraph, history, links, epoch, version } = state;
  return { order, answer, acknowledged: acknowledged(state), answered: answered(state), face, telegraph, history, links, epoch, version };
}

/** What panels are sent of a fact: the change alone, onto the snapshot of the step before (lib/change.ts applies it). */
export function changeOf(fact: Fact, state: TelegraphState): Change {
  const { version, epoch } = state;
  if (fact.type === "ordered") return { version, epoch, order: fact.order };
  if (fact.type === "answered") return { version, epoch, answer: fact.answer, answered: answered(state), acknowledged: acknowledged(state) };
  if (fact.type === "expired") return { version, epoch, expired: { seq: fact.order.seq, at: fact.at } };
  if (fact.type === "telegraph-changed") return { version, epoch, telegraph: fact.telegraph };
  return { version, epoch, link: fact.health };
}

/**
 * The state after a restart: what the store remembers, seq and history with it. With an empty
 * store (a first start), what the two files held: the status file's order as seq 1 and the accept
 * file's answer, taken as given to that order; `facts` are those for the store to keep.
 */
export function restore(
  face: Face,
  telegraph: TelegraphConnection,
  memory: Remembered,
  saved: { order?: { position: FacePosition; at: string }; answer?: { position: FacePosition; at: string } },
): { state: TelegraphState; facts: Fact[] } {
  let state: TelegraphState = { ...initial(face, telegraph), ...memory, counted: countAll(memory.order, memory.votes) };
  const facts: Fact[] = [];
  if (memory.seq > 0) return { state, facts };
  const apply = (event: TelegraphEvent) => {
    const result = step(state, event);
    if (!result.ok) return;
    state = result.state;
    facts.push(...result.facts);
  };
  if (saved.order) apply({ type: "order", source: "telegraph", link: "status-file", from: { who: "telegraph" }, ...saved.order });
  if (saved.answer) apply({ type: "answer", from: { address: "accept-file" }, ...saved.answer });
  return { state, facts };
}
