// Runs the pure core: every event from a link or a gateway comes through here, gets its time,
// changes the state, and the core's effects go out through the links and to every panel.
import type { AuditEntry, Snapshot, Source } from "../lib/protocol";
import type { TelegraphLink } from "./links/link";
import type { Logger } from "./log";
import type { Metrics } from "./metrics";
import { findPosition } from "./telegraph/face";
import { type Effect, type JournalEntry, type TelegraphEvent, type TelegraphState, snapshot, step } from "./telegraph/telegraph";

type WithoutTime<E> = E extends unknown ? Omit<E, "at"> : never;
export type BridgeEvent = WithoutTime<TelegraphEvent>;
export type BridgeResult = { ok: true; snapshot: Snapshot } | { ok: false; error: string };

export interface Outlets {
  /** Filled in by the composition once the links are open. */
  links: readonly TelegraphLink[];
  broadcast(snapshot: Snapshot): void;
  journal(entry: JournalEntry): Promise<void>;
  /** Every order and answer that took effect, with who gave it and from where. */
  audit(entry: Omit<AuditEntry, "at">): void;
  /** Counts what took effect. */
  metrics: Pick<Metrics, "orderTookEffect" | "answerTookEffect">;
  /** People listening now: an order for everyone needs as many answers. */
  present(): number;
}

/** Who an order or answer came from, for the audit log. */
export interface From {
  who: string;
  address: string;
  /** Where it came in: an answer carries no source of its own (an order does), so metrics learn it here. */
  source?: Source;
}

export interface Bridge {
  snapshot(): Snapshot;
  /** Resolves once the change is out: broadcast, told to the links, kept in the journal. */
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
    if (effect.type === "journal") return outlets.journal(effect.entry);
    const { type, position } = effect;
    const tell = (link: TelegraphLink) =>
      type === "tell-order" ? link.name !== effect.except && link.tellOrder(position) : link.tellAnswer(position);
    return Promise.all(
      outlets.links.map((link) =>
        Promise.resolve(tell(link)).catch((error: Error) => log.error(`${link.name}: could not ${type} ${position}: ${error.message}`)),
      ),
    );
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
      armExpiry();
      if (event.type === "expire") log.info(`order #${event.seq} expired`);
      if (event.type === "order" || event.type === "answer") {
        log.info(`${event.type}: ${describe()}`);
        if (event.type === "answer") outlets.metrics.answerTookEffect(before, current, from?.source);
        else if (current.order) outlets.metrics.orderTookEffect(current.order);
        try {
          if (from) outlets.audit({ who: from.who, address: from.address, action: event.type, detail: describe() });
        } catch (error) {
          log.error(`audit log: ${(error as Error).message}`); // the order itself goes on
        }
      }
      // The journal last: after a crash between the two, the files (the telegraph's own word)
      // are ahead of the journal, and the next start takes their order as the next seq.
      const journal = result.effects.filter((e) => e.type === "journal");
      await Promise.all(result.effects.filter((e) => e.type !== "journal").map(run));
      await Promise.all(journal.map(run));
    }
    return { ok: true, snapshot: current };
  }

  armExpiry();
  return { snapshot: () => current, handle, close: () => clearTimeout(expiry?.timer) };
}
