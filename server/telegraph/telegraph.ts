// The telegraph's rules, pure: state + event → new state + effects. No I/O and no clock:
// the time of every event comes in with it, so the adapters and tests decide what "now" is.
import type { Answer, Face, Order, PositionRef, Snapshot, Source } from "../../lib/protocol";
import { findPosition, unknownPosition } from "./face";

export interface TelegraphState {
  face: Face;
  order: Order | null;
  answer: Answer | null;
}

export type TelegraphEvent =
  | { type: "order"; position: PositionRef; source: Source; by?: string; at: string }
  | { type: "answer"; position: PositionRef; by?: string; at: string };

/** What the adapters must do after a step. */
export type Effect =
  /** The status file (and later the serial line) must hold this order: it came from a panel or the API. */
  | { type: "write-status"; position: number }
  /** The telegraph must be told this answer. */
  | { type: "write-accept"; position: number }
  /** Every panel must see the new snapshot. */
  | { type: "broadcast" };

export type Step =
  | { ok: true; state: TelegraphState; effects: Effect[] }
  | { ok: false; error: string };

export function initial(face: Face): TelegraphState {
  return { face, order: null, answer: null };
}

export function step(state: TelegraphState, event: TelegraphEvent): Step {
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
    const effects: Effect[] = [{ type: "broadcast" }];
    if (event.source !== "telegraph") effects.unshift({ type: "write-status", position });
    return { ok: true, state: { ...state, order }, effects };
  }

  const seq = state.order?.seq ?? 0;
  if (state.answer?.position === position && state.answer.seq === seq) return { ok: true, state, effects: [] };
  const answer: Answer = { position, at: event.at, seq, ...(event.by && { by: event.by }) };
  return {
    ok: true,
    state: { ...state, answer },
    effects: [{ type: "write-accept", position }, { type: "broadcast" }],
  };
}

/** An answer acknowledges the order it was given to, when it names the same position. */
export function acknowledged({ order, answer }: TelegraphState): boolean {
  return !!order && !!answer && answer.seq === order.seq && answer.position === order.position;
}

export function snapshot(state: TelegraphState): Snapshot {
  return { order: state.order, answer: state.answer, acknowledged: acknowledged(state), face: state.face };
}

/**
 * The state after a restart, from what the two files held: the status file's order
 * (as seq 1) and the accept file's answer, taken as given to that order.
 */
export function restore(
  face: Face,
  saved: { order?: { position: number; at: string }; answer?: { position: number; at: string } },
): TelegraphState {
  let state = initial(face);
  const apply = (event: TelegraphEvent) => {
    const result = step(state, event);
    if (result.ok) state = result.state;
  };
  if (saved.order) apply({ type: "order", source: "telegraph", ...saved.order });
  if (saved.answer) apply({ type: "answer", ...saved.answer });
  return state;
}
