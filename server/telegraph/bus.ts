// The one way facts leave the core: the dispatch publishes each fact once, and every adapter
// (store, links, panels, push, metrics, log) subscribes to the kinds it cares about. Delivery is
// synchronous and in the order of subscription, so the store keeps a fact before any panel sees
// it; a subscriber's promise (a link's write) is awaited by the publisher; one subscriber that
// fails is logged and does not stop the others.
import type { Snapshot } from "../../lib/protocol";
import type { Logger } from "../log";
import type { Fact, TelegraphState } from "./telegraph";

export type FactType = Fact["type"];
export type FactOf<T extends FactType> = Extract<Fact, { type: T }>;

/** The telegraph right after the step that made the fact: what a consumer may also want to read. */
export interface After {
  state: TelegraphState;
  snapshot: Snapshot;
}

type Subscriber<T extends FactType> = (fact: FactOf<T>, after: After) => unknown;
interface Entry {
  name: string;
  /** Undefined: every fact. */
  types?: ReadonlySet<FactType>;
  run: (fact: Fact, after: After) => unknown;
}

export interface Bus {
  /** Calls `run` with every fact of these types; `name` says who failed in the log. */
  on<T extends FactType>(name: string, types: readonly T[], run: Subscriber<T>): void;
  /** Calls `run` with every fact, whatever its kind (what panels are sent). */
  onEvery(name: string, run: (fact: Fact, after: After) => unknown): void;
  /** Resolves once every subscriber's work is done (failures logged, never thrown). */
  publish(facts: readonly Fact[], after: After): Promise<void>;
}

export function createBus(log: Logger): Bus {
  const entries: Entry[] = [];
  const failed = (name: string, what: string) => (error: unknown) => log.error(`${name}: could not handle ${what}: ${(error as Error).message}`);

  function call(name: string, what: string, run: () => unknown, pending: Promise<unknown>[]): void {
    try {
      const result = run();
      if (result instanceof Promise) pending.push(result.catch(failed(name, what)));
    } catch (error) {
      failed(name, what)(error);
    }
  }

  return {
    on(name, types, run) {
      entries.push({ name, types: new Set<FactType>(types), run: run as Entry["run"] });
    },
    onEvery(name, run) {
      entries.push({ name, run });
    },
    async publish(facts, after) {
      const pending: Promise<unknown>[] = [];
      for (const fact of facts) {
        for (const entry of entries)
          if (!entry.types || entry.types.has(fact.type)) call(entry.name, `the fact ${fact.type}`, () => entry.run(fact, after), pending);
      }
      await Promise.all(pending);
    },
  };
}
