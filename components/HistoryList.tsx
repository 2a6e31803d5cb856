// A page of a telegraph's history: its orders by day, newest first, each with who gave it, who
// answered and when, and how long it waited. Rendered on the server, no script: the day headings
// and times are in the time zone of the process that renders it (the server's, as the API counts days).
import { labelOf } from "../lib/face";
import type { HistoryAnswer, HistoryOrder } from "../lib/history";
import type { Face } from "../lib/protocol";
import { describeOutcome, describeSender, duration, time } from "../lib/words";
import styles from "./History.module.css";

/** The day an instant falls on here, YYYY-MM-DD. */
function dayOf(iso: string): string {
  const at = new Date(iso);
  return [at.getFullYear(), at.getMonth() + 1, at.getDate()].map((n) => String(n).padStart(2, "0")).join("-");
}

/** "Sunday, 6 December 2026". */
const dayName = (iso: string) => new Date(iso).toLocaleDateString("en-GB", { weekday: "long", day: "numeric", month: "long", year: "numeric" });

/** The orders in runs of one day each, in the order given (newest first). */
function byDay(orders: HistoryOrder[]): { day: string; orders: HistoryOrder[] }[] {
  const days: { day: string; orders: HistoryOrder[] }[] = [];
  for (const order of orders) {
    const day = dayOf(order.at);
    if (days.at(-1)?.day !== day) days.push({ day, orders: [] });
    days.at(-1)!.orders.push(order);
  }
  return days;
}

const outcomeState = (order: HistoryOrder) => (order.firstAnswerMs !== null ? "answered" : order.expiredAt ? "expired" : "unanswered");

function Answer({ answer, order, face }: { answer: HistoryAnswer; order: HistoryOrder; face: Face }) {
  const other = answer.position === order.position ? "" : ` with ${labelOf(face, answer.position)}`;
  return (
    <li>
      {answer.by ?? "someone"}
      {other} at <time dateTime={answer.at}>{time(answer.at)}</time>, after {duration(answer.afterMs)}
    </li>
  );
}

function Order({ order, face }: { order: HistoryOrder; face: Face }) {
  return (
    <li className={styles.order} data-testid="history-order" data-seq={order.seq}>
      <p className={styles.head}>
        <time dateTime={order.at}>{time(order.at)}</time> <strong>{order.label}</strong>{" "}
        <span className={styles.outcome} data-state={outcomeState(order)} data-testid="outcome">
          {describeOutcome(order)}
        </span>
      </p>
      <p className={styles.detail}>{describeSender(order)}</p>
      {order.answers.length > 0 && (
        <div className={styles.detail}>
          Answered by:
          <ul className={styles.answers}>
            {order.answers.map((answer, i) => (
              <Answer key={i} answer={answer} order={order} face={face} />
            ))}
          </ul>
        </div>
      )}
    </li>
  );
}

export default function HistoryList({ orders, face, filtered }: { orders: HistoryOrder[]; face: Face; filtered: boolean }) {
  if (!orders.length) {
    return (
      <p className={styles.empty} data-testid="history-empty">
        {filtered ? "No orders match these filters." : "No orders yet."}
      </p>
    );
  }
  return byDay(orders).map(({ day, orders }) => (
    <section key={day} className={styles.day} aria-labelledby={`day-${day}`} data-testid="history-day" data-day={day}>
      <h2 id={`day-${day}`}>
        <time dateTime={day}>{dayName(orders[0].at)}</time>
      </h2>
      <ol className={styles.orders}>
        {orders.map((order) => (
          <Order key={order.seq} order={order} face={face} />
        ))}
      </ol>
    </section>
  ));
}
