// The log's line for each order, answer and expiry that took effect.
import type { Snapshot } from "../../lib/protocol";
import type { Logger } from "../log";
import type { Bus } from "./bus";

/** "order #3 7 COFFEE from panel by Ann; answer 7 by Bob (acknowledged)". */
function describe({ order, answer, acknowledged }: Snapshot): string {
  if (!order) return "no order";
  return (
    `order #${order.seq} ${order.position} ${order.label} from ${order.source}${order.by ? ` by ${order.by}` : ""}; ` +
    (answer ? `answer ${answer.position}${answer.by ? ` by ${answer.by}` : ""}${acknowledged ? " (acknowledged)" : ""}` : "no answer")
  );
}

export function logFacts(bus: Bus, log: Logger): void {
  bus.on("log", ["ordered", "answered", "expired"], (fact, { snapshot }) => {
    if (fact.type === "expired") log.info(`order #${fact.order.seq} expired`);
    else log.info(`${fact.type === "ordered" ? "order" : "answer"}: ${describe(snapshot)}`);
  });
}
