// Days, weeks and hours as people count them: in the server's time zone (lib/history.ts Stats.timeZone),
// daylight saving time included. A day is "YYYY-MM-DD"; its start is its local midnight.

/** The IANA time zone days are counted in: the server's. */
export const timeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

const pad = (n: number) => String(n).padStart(2, "0");
const dayOfDate = (date: Date) => `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
const parts = (day: string) => day.split("-").map(Number) as [number, number, number];

/** The local day a time falls on. */
export const dayOf = (at: string | Date) => dayOfDate(new Date(at));

/** The local hour, 0 to 23, a time falls in. */
export const hourOf = (at: string) => new Date(at).getHours();

/** The day's local midnight. */
export function startOf(day: string): Date {
  const [y, m, d] = parts(day);
  return new Date(y, m - 1, d);
}

/** The day `n` days after (or before) `day`. */
export function addDays(day: string, n: number): string {
  const [y, m, d] = parts(day);
  return dayOfDate(new Date(y, m - 1, d + n));
}

/** The Monday of the day's week. */
export function mondayOf(day: string): string {
  const weekday = startOf(day).getDay(); // 0 is Sunday
  return addDays(day, -((weekday + 6) % 7));
}
