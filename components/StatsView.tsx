// A telegraph's statistics: per position and per week, the time to a first answer (p50, p90) and
// the orders never answered (a mean of the others would hide them); orders by hour of day. Each as
// an SVG chart and a table with the same numbers. Rendered on the server, no script.
import { labelOf } from "../lib/face";
import type { PositionStats, Stats, WeekStats } from "../lib/history";
import type { Face } from "../lib/protocol";
import { duration } from "../lib/words";
import { Bars, Columns } from "./charts";
import styles from "./History.module.css";
import pages from "./Pages.module.css";

const wait = (ms: number | null) => (ms === null ? "none" : duration(ms));
const orders = (n: number) => `${n} order${n === 1 ? "" : "s"}`;

/** "9 Nov 2026, 00:00": where the span starts and ends, in the server's time zone. */
const instant = (iso: string) => new Date(iso).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });

/** "30 Nov 2026", the Monday a week starts on (a calendar day: no time zone moves it). */
const weekOf = (week: string) =>
  new Date(`${week}T00:00:00Z`).toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });

/** Each week's orders, all positions together: how many, and how many were never answered. */
function weekTotals(weeks: WeekStats[]): { week: string; orders: number; unanswered: number }[] {
  const totals = new Map<string, { week: string; orders: number; unanswered: number }>();
  for (const w of weeks) {
    const total = totals.get(w.week) ?? { week: w.week, orders: 0, unanswered: 0 };
    totals.set(w.week, { ...total, orders: total.orders + w.orders, unanswered: total.unanswered + w.unanswered });
  }
  return [...totals.values()];
}

/** The four columns the position and week tables share, after their own. */
function Numbers({ s }: { s: PositionStats }) {
  return (
    <>
      <td>{s.orders}</td>
      <td>{s.unanswered}</td>
      <td>{wait(s.p50Ms)}</td>
      <td>{wait(s.p90Ms)}</td>
    </>
  );
}

const NUMBER_HEADS = ["Orders", "Never answered", "p50", "p90"];

function Legend() {
  return (
    <p className={styles.legend} aria-hidden="true">
      <span className={styles.keyP50} /> p50 <span className={styles.keyP90} /> p90 <span className={styles.keyCount} /> orders{" "}
      <span className={styles.keyUnanswered} /> never answered
    </p>
  );
}

export default function StatsView({ stats, face }: { stats: Stats; face: Face }) {
  const total = stats.positions.reduce((sum, p) => sum + p.orders, 0);
  const span = (
    <p className={pages.muted} data-testid="stats-span">
      From <time dateTime={stats.since}>{instant(stats.since)}</time> to <time dateTime={stats.until}>{instant(stats.until)}</time>; days and hours in{" "}
      {stats.timeZone}. p50: half the answered orders had their first answer within this time; p90: nine in ten.
    </p>
  );
  if (!total) {
    return (
      <>
        {span}
        <p className={styles.empty} data-testid="stats-empty">
          No orders in these days.
        </p>
      </>
    );
  }
  const weeks = weekTotals(stats.weeks);
  return (
    <>
      {span}
      <Legend />
      <section className={styles.stats} aria-labelledby="by-position">
        <h2 id="by-position">Time to first answer, by position</h2>
        <Bars
          id="chart-positions"
          title="Time to first answer, by position"
          desc="For each position: p50 and p90 of the time to its first answer, and the orders never answered. The table below has the numbers."
          rows={stats.positions.map((p) => ({
            key: String(p.position),
            lines: [
              `${labelOf(face, p.position)}: ${orders(p.orders)}, ${p.unanswered} never answered`,
              `p50 ${wait(p.p50Ms)}, p90 ${wait(p.p90Ms)}`,
            ],
            bars: [
              { value: p.p50Ms ?? 0, className: styles.p50 },
              { value: p.p90Ms ?? 0, className: styles.p90 },
            ],
          }))}
        />
        <div className={pages.scroll}>
          <table className={pages.table} data-testid="table-positions">
            <caption>Time to first answer, by position</caption>
            <Head columns={["Position"]} />
            <tbody>
              {stats.positions.map((p) => (
                <tr key={p.position}>
                  <th scope="row">{labelOf(face, p.position)}</th>
                  <Numbers s={p} />
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section className={styles.stats} aria-labelledby="by-week">
        <h2 id="by-week">Orders per week</h2>
        <Bars
          id="chart-weeks"
          title="Orders per week"
          desc="For each week from Monday: its orders, and those never answered. The table below has them by position, with p50 and p90 of the time to a first answer."
          rows={weeks.map((w) => ({
            key: w.week,
            lines: [`Week of ${weekOf(w.week)}`, `${orders(w.orders)}, ${w.unanswered} never answered`],
            bars: [
              { value: w.orders, className: styles.count },
              { value: w.unanswered, className: styles.unanswered },
            ],
          }))}
        />
        <div className={pages.scroll}>
          <table className={pages.table} data-testid="table-weeks">
            <caption>Per week and position</caption>
            <Head columns={["Week of", "Position"]} />
            <tbody>
              {stats.weeks.map((w) => (
                <tr key={`${w.week} ${w.position}`}>
                  <th scope="row">
                    <time dateTime={w.week}>{weekOf(w.week)}</time>
                  </th>
                  <td>{labelOf(face, w.position)}</td>
                  <Numbers s={w} />
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section className={styles.stats} aria-labelledby="by-hour">
        <h2 id="by-hour">Orders by hour of day</h2>
        <Columns
          id="chart-hours"
          title="Orders by hour of day"
          desc={`Orders in each hour of the day, 0 to 23 (${stats.timeZone}). The table below has the numbers.`}
          values={stats.byHour}
          labels={stats.byHour.map((_, hour) => (hour % 3 ? "" : String(hour)))}
          className={styles.count}
          unit="orders in an hour"
        />
        <div className={`${pages.scroll} ${styles.hours}`}>
          <table className={pages.table} data-testid="table-hours">
            <caption>Orders by hour of day</caption>
            <thead>
              <tr>
                <th scope="col">Hour</th>
                <th scope="col">Orders</th>
              </tr>
            </thead>
            <tbody>
              {stats.byHour.map((count, hour) => (
                <tr key={hour}>
                  <th scope="row">{`${String(hour).padStart(2, "0")}:00–${String(hour).padStart(2, "0")}:59`}</th>
                  <td>{count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}

/** A table's head: its rows' own columns, then the numbers'. */
function Head({ columns }: { columns: string[] }) {
  return (
    <thead>
      <tr>
        {[...columns, ...NUMBER_HEADS].map((head) => (
          <th key={head} scope="col">
            {head}
          </th>
        ))}
      </tr>
    </thead>
  );
}
