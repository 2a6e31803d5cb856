// When a panel sends its receipts: the latest only, a moment after the order, spread at random, and
// no more often than the server can take them however many panels and however busy the telegraph.
// Shared by the panel (components/useTelegraph.ts) and the benchmark's panel fleet (bench/connection.ts).

/** A panel's receipt waits this long after an order: the latest of a burst of orders is sent, not each. */
export const RECEIPT_AFTER_MS = 250;
/** And a random part of this much more, at least: a hundred panels' receipts come over a quarter second, not at once. */
export const RECEIPT_SPREAD_MS = 250;
/**
 * The receipts of all panels come in at about this many a second at most, however many panels
 * (performance): each panel spreads its receipt over `panels` ms, and sends one per `panels` ms at
 * most, so 10,000 panels' receipts come over 10 s, not 10,000 at once (33 µs of the server's CPU
 * each, docs/performance.md), and orders every 100 ms do not double them. The server sends the
 * receipts view no more often than that anyway (every 10 s at 10,000 panels).
 */
export const RECEIPTS_PER_SECOND = 1000;

/** The least time between two receipts of one panel, with `panels` connected (presence's count). */
export function receiptPeriodMs(panels: number): number {
  return Math.max(RECEIPT_SPREAD_MS, (panels * 1000) / RECEIPTS_PER_SECOND);
}

/** How long a panel waits after an order before it sends its receipt, with `panels` connected; `random` in [0, 1). */
export function receiptDelayMs(panels: number, random: number): number {
  return RECEIPT_AFTER_MS + random * receiptPeriodMs(panels);
}

/**
 * A panel's receipts, paced: `heard` takes each receipt as its order arrives, and `send` gets the
 * latest one receiptDelayMs later, or later still so that it comes a period after the panel's last
 * one. With an order every 100 ms a panel still sends one receipt a period, not one per
 * receiptDelayMs (which, being random, averages half a period: twice the rate).
 * `panels` says how many panels are connected now.
 */
export function receiptPace<R>(send: (receipt: R) => void, panels: () => number) {
  let latest: R | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let sentAt = -Infinity;
  return {
    heard(receipt: R): void {
      latest = receipt;
      if (timer !== undefined) return;
      const count = panels();
      const wait = Math.max(receiptDelayMs(count, Math.random()), sentAt + receiptPeriodMs(count) - Date.now());
      timer = setTimeout(() => {
        timer = undefined;
        sentAt = Date.now();
        send(latest as R);
      }, wait);
    },
    /** The last receipt heard: sent again after a reconnect. */
    latest: (): R | undefined => latest,
    stop(): void {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
