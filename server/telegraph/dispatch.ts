// Runs the pure core: every event from a link or a gateway comes through here, gets its time,
// changes the state, and the facts that took effect go out once, on the bus. The dispatch knows
// no adapter: the store, links, panels, push, metrics and the log subscribe (server/chadburn.ts).
import type { Snapshot } from "../../lib/protocol";
import type { Bus } from "./bus";
import { type TelegraphEvent, type TelegraphState, snapshot, step } from "./telegraph";

type WithoutTime<E> = E extends unknown ? Omit<E, "at"> : never;
/** An event as the adapters give it: the dispatch stamps its time. */
export type Given = WithoutTime<TelegraphEvent>;
export type Handled = { ok: true; snapshot: Snapshot } | { ok: false; error: string };

export interface Dispatch {
  snapshot(): Snapshot;
  /** Resolves once the change is out: kept in the store, broadcast, told to the links. */
  handle(event: Given): Promise<Handled>;
  /** Stops the expiry timer. */
  close(): void;
}

export function createDispatch(state: TelegraphState, bus: Bus, now = () => new Date()): Dispatch {
  let current = snapshot(state);
  let expiry: { seq: number; timer: NodeJS.Timeout } | undefined;

  /** The clock the pure core does not have: the current order, if it expires, expires on time (after a restart too). */
  function armExpiry(): void {
    const order = current.order;
    if (expiry?.seq === order?.seq) return;
    clearTimeout(expiry?.timer);
    expiry = undefined;
    if (!order?.expires) return;
    const timer = setTimeout(() => void handle({ type: "expire", seq: order.seq }), Math.max(0, Date.parse(order.expires) - now().getTime()));
    expiry = { seq: order.seq, timer: timer.unref() };
  }

  async function handle(event: Given): Promise<Handled> {
    const result = step(state, { ...event, at: now().toISOString() } as TelegraphEvent);
    if (!result.ok) return result;
    if (result.facts.length) {
      state = result.state;
      current = snapshot(state);
      armExpiry();
      // A crash before the status file holds a panel's order leaves the file's older order, which
      // the next start takes as the next seq: the telegraph's word wins, and seq still grows.
      await bus.publish(result.facts, { state, snapshot: current });
    }
    return { ok: true, snapshot: current };
  }

  armExpiry();
  return { snapshot: () => current, handle, close: () => clearTimeout(expiry?.timer) };
}
