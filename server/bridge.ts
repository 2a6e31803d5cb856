// Runs the pure core: every event from a link or a gateway comes through here, gets its time,
// changes the state, and the core's effects go out through the links and to every panel.
import type { Snapshot, Source } from "../lib/protocol";
import type { TelegraphLink } from "./links/link";
import type { Logger } from "./log";
import type { Metrics } from "./metrics";
import type { Origin } from "./store/memory";
import { findPosition } from "../lib/face";
import { type Change, type Effect, type TelegraphEvent, type TelegraphState, snapshot, step } from "./telegraph/telegraph";

type WithoutTime<E> = E extends unknown ? Omit<E, "at"> : never;
export type BridgeEvent = WithoutTime<TelegraphEvent>;
export type BridgeResult = { ok: true; snapshot: Snapshot } | { ok: false; error: string };

export interface Outlets {
  /** Filled in by the composition once the links are open. */
  links: readonly TelegraphLink[];
  broadcast(snapshot: Snapshot): void;
  /** Keeps a change in the store (server/store/memory.ts) with who gave it and from where; `state` is the state after it. */
  remember(change: Change, state: TelegraphState, origin: Origin): void;
  /** Counts what took effect. */
  metrics: Pick<Metrics, "orderTookEffect" | "answerTookEffect">;
  /** People listening now: an order for everyone needs as many answers. */
  present(): number;
}

/** Who an order or answer came from, for the store's events (and so the audit log). */
export interface From {
  who: string;
  address: string;
  /** Where it came in: an answer carries no source of its own (an order does), so metrics learn it here. */
  source?: Source;
}

export interface Bridge {
  snapshot(): Snapshot;
  /** Resolves once the change is out: kept in the store, broadcast, told to the links. */
  handle(event: BridgeEvent, from?: From): Promise<BridgeResult>;
  /** Stops the expiry timer. */
  close(): void;
}

export function createBridge(state: TelegraphState, outlets: Outlets, log: Logger): Bridge {
  let current = snapshot(state);
  let expiry: { seq: number; timer: NodeJS.Timeout } | undefined;

  /** The clock the pure core does not have: the current order, if it expires, expires on time (after a restart too). */
  function armExpiry(): void {
    const order = current.order;
    if (expiry?.seq === order?.seq) return;
    clearTimeout(expiry?.timer);
    expiry = undefined;
    if (!order?.expires) return;
    const timer = setTimeout(() => void handle({ type: "expire", seq: order.seq }), Math.max(0, Date.parse(order.expires) - Date.now()));
    expiry = { seq: order.seq, timer: timer.unref() };
  }

  function describe(): string {
    const { order, answer, acknowledged } = current;
    if (!order) return "no order";
    return `order #${order.seq} ${order.position} ${order.label} from ${order.source}${order.by ? ` by ${order.by}` : ""}; ` +
      (answer ? `answer ${answer.position}${answer.by ? ` by ${answer.by}` : ""}${acknowledged ? " (acknowledged)" : ""}` : "no answer");
  }

  function run(effect: Effect): Promise<unknown> | void {
    if (effect.type === "broadcast") return outlets.broadcast(current);
    if (effect.type === "remember") return;
    const { type, position } = effect;
    const tell = (link: TelegraphLink) =>
      type === "tell-order" ? link.name !== effect.except && link.tellOrder(position) : link.tellAnswer(position);
    return Promise.all(
      outlets.links.map((link) =>
        Promise.resolve(tell(link)).catch((error: Error) => log.error(`${link.name}: could not ${type} ${position}: ${error.message}`)),
      ),
    );
  }

  function remember(change: Change, event: BridgeEvent, from?: From): void {
    try {
      outlets.remember(change, state, { ...from, ...(event.type === "order" && event.link && { link: event.link }) });
    } catch (error) {
      log.error(`store: could not keep the ${event.type}: ${(error as Error).message}`); // the order itself goes on
    }
  }

  async function handle(event: BridgeEvent, from?: From): Promise<BridgeResult> {
    // Counting who listens costs a look at every panel: only for an order that needs everyone.
    const everyone = event.type === "order" && findPosition(state.face, event.position)?.quorum === "everyone";
    const result = step(state, { ...event, ...(everyone && { present: outlets.present() }), at: new Date().toISOString() } as TelegraphEvent);
    if (!result.ok) return result;
    if (result.effects.length) {
      const before = current;
      state = result.state;
      current = snapshot(state);
      // Kept before anyone sees it: no panel is shown a seq that a crash could take back.
      for (const effect of result.effects) if (effect.type === "remember") remember(effect.change, event, from);
      armExpiry();
      if (event.type === "expire") log.info(`order #${event.seq} expired`);
      if (event.type === "order" || event.type === "answer") {
        log.info(`${event.type}: ${describe()}`);
        if (event.type === "answer") outlets.metrics.answerTookEffect(before, current, from?.source);
        else if (current.order) outlets.metrics.orderTookEffect(current.order);
      }
      // A crash before the status file holds a panel's order leaves the file's older order, which
      // the next start takes as the next seq: the telegraph's word wins, and seq still grows.
      await Promise.all(result.effects.map(run));
    }
    return { ok: true, snapshot: current };
  }

  armExpiry();
  return { snapshot: () => current, handle, close: () => clearTimeout(expiry?.timer) };
}
