// History as CSV for a spreadsheet: a header line, then each order (oldest first) followed by its
// answers, one row each. RFC 4180: CRLF line ends, a field with a comma, quote or line end quoted,
// quotes doubled. A cell a spreadsheet would take for a formula (= + - @, tab, CR first) gets a
// leading ' (OWASP's advice on CSV injection): a name is whatever someone typed.
import type { HistoryOrder } from "../../lib/history";
import { labelOf } from "../../lib/face";
import type { Face } from "../../lib/protocol";

export const CSV_HEADER = [
  "row",
  "seq",
  "at",
  "position",
  "label",
  "by",
  "source",
  "after_ms",
  "first_answer_ms",
  "expired_at",
  "delivered",
  "rang",
  "muted",
  "blocked",
] as const;

/** One cell, guarded and quoted as it needs. */
export function cell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "";
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A line of as many fields as the header (RFC 4180), the missing ones empty. */
const line = (cells: (string | number | null | undefined)[]) => `${CSV_HEADER.map((_, i) => cell(cells[i])).join(",")}\r\n`;

/** The CSV of `orders`, a line at a time. */
export function* csvLines(orders: Iterable<HistoryOrder>, face: Face): Generator<string> {
  yield line([...CSV_HEADER]);
  for (const order of orders) {
    const { delivered, rang, muted, blocked } = order.receipts;
    yield line([
      "order",
      order.seq,
      order.at,
      order.position,
      order.label,
      order.by,
      order.source,
      null,
      order.firstAnswerMs,
      order.expiredAt,
      delivered,
      rang,
      muted,
      blocked,
    ]);
    for (const answer of order.answers) {
      yield line(["answer", order.seq, answer.at, answer.position, labelOf(face, answer.position), answer.by, null, answer.afterMs]);
    }
  }
}
