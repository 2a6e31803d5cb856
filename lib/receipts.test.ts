import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RECEIPTS_PER_SECOND, RECEIPT_AFTER_MS, receiptDelayMs, receiptPace, receiptPeriodMs } from "./receipts";

describe("receiptDelayMs", () => {
  it("waits a quarter second after the order, plus up to a quarter second at random, in a small lab", () => {
    for (const panels of [0, 1, 12, 250]) {
      expect(receiptDelayMs(panels, 0)).toBe(RECEIPT_AFTER_MS);
      expect(receiptDelayMs(panels, 0.999)).toBeCloseTo(RECEIPT_AFTER_MS + 249.75);
    }
  });

  it("spreads one order's receipts so they come at most RECEIPTS_PER_SECOND a second, however many panels", () => {
    for (const panels of [1_000, 5_000, 10_000, 50_000]) {
      const window = receiptDelayMs(panels, 1) - receiptDelayMs(panels, 0);
      expect(panels / (window / 1000)).toBeLessThanOrEqual(RECEIPTS_PER_SECOND);
      expect(receiptDelayMs(panels, 0.5)).toBeCloseTo(RECEIPT_AFTER_MS + panels / 2);
    }
  });
});

describe("receiptPace", () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  /** `count` panels' paces in a lab of `panels`, each sent receipt with its time. */
  const lab = (count: number, panels: number) => {
    const sent: { panel: number; seq: number; at: number }[] = [];
    const paces = Array.from({ length: count }, (_, panel) =>
      receiptPace<number>(
        (seq) => sent.push({ panel, seq, at: Date.now() }),
        () => panels,
      ),
    );
    return { sent, paces };
  };

  it("sends the latest receipt of a burst once, receiptDelayMs after the burst's first order", () => {
    vi.spyOn(Math, "random").mockReturnValue(0.5);
    const { sent, paces } = lab(1, 12);
    const start = Date.now();
    for (const seq of [1, 2, 3]) paces[0].heard(seq);
    vi.advanceTimersByTime(receiptDelayMs(12, 0.5) - 1);
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([{ panel: 0, seq: 3, at: start + receiptDelayMs(12, 0.5) }]);
    expect(paces[0].latest()).toBe(3);
    vi.restoreAllMocks();
  });

  it("keeps the whole lab at RECEIPTS_PER_SECOND at most under an order every 100 ms, each panel a period apart", () => {
    // 300 of 5,000 panels: a receipt each per 5 s at most, 60 a second in all.
    const panels = 5_000;
    const { sent, paces } = lab(300, panels);
    const start = Date.now();
    for (let seq = 1; seq <= 600; seq++) {
      for (const pace of paces) pace.heard(seq);
      vi.advanceTimersByTime(100);
    }
    const period = receiptPeriodMs(panels);
    for (let panel = 0; panel < paces.length; panel++) {
      const times = sent.filter((s) => s.panel === panel).map((s) => s.at);
      expect(times.length).toBeGreaterThanOrEqual(10);
      for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(period);
    }
    // Over the last 40 s (the first receipts spread by then), at the rate the lab's size allows.
    const lastForty = sent.filter((s) => s.at >= start + 20_000).length / 40;
    const allowed = (paces.length / panels) * RECEIPTS_PER_SECOND;
    expect(lastForty).toBeLessThanOrEqual(allowed);
    expect(lastForty).toBeGreaterThan(allowed * 0.85);
    // Each sent the order it had last heard.
    for (const { seq, at } of sent) expect(seq).toBe(Math.ceil((at - start) / 100));
  });

  it("sends a quiet panel's receipt receiptDelayMs after the order, not a period after its last", () => {
    vi.spyOn(Math, "random").mockReturnValue(0);
    const { sent, paces } = lab(1, 10_000);
    paces[0].heard(1);
    vi.advanceTimersByTime(RECEIPT_AFTER_MS);
    expect(sent.map((s) => s.seq)).toEqual([1]);
    vi.advanceTimersByTime(receiptPeriodMs(10_000) + 1000);
    paces[0].heard(2);
    vi.advanceTimersByTime(RECEIPT_AFTER_MS);
    expect(sent.map((s) => s.seq)).toEqual([1, 2]);
    vi.restoreAllMocks();
  });

  it("sends nothing once stopped, and heard again after that, paces anew", () => {
    const { sent, paces } = lab(1, 1);
    paces[0].heard(1);
    paces[0].stop();
    vi.advanceTimersByTime(10_000);
    expect(sent).toEqual([]);
    expect(paces[0].latest()).toBe(1);
    paces[0].heard(2);
    vi.advanceTimersByTime(receiptDelayMs(1, 1));
    expect(sent.map((s) => s.seq)).toEqual([2]);
  });
});
