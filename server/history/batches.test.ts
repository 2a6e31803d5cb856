// The purge's batches, sized by the time they take: on a clock of the test's own, where a row costs
// what the test says (from a fast disk's to a slow SD card's, or one that gets slower midway), no
// batch after the first takes over 20 ms, every row goes, and the event loop runs between batches.
import { describe, expect, it } from "vitest";
import { BATCH_TARGET_MS, FIRST_BATCH, inBatches, nextBatchSize } from "./batches";

/** `rows` to delete, each costing `costMs(batchNumber)` on a clock that only the batches move. */
function table(rows: number, costMs: (batch: number) => number) {
  let now = 0;
  let left = rows;
  const took: number[] = [];
  const sizes: number[] = [];
  return {
    clock: () => now,
    took,
    sizes,
    batch(size: number): number {
      const deleted = Math.min(size, left);
      left -= deleted;
      sizes.push(size);
      const ms = deleted * costMs(took.length);
      took.push(ms);
      now += ms;
      return deleted;
    },
    left: () => left,
  };
}

describe("a purge in batches", () => {
  for (const costMs of [0.0005, 0.01, 0.05, 0.2]) {
    it(`where a row costs ${costMs} ms: every row goes, no batch takes over 20 ms, and the batches grow to the 5 ms aimed at`, async () => {
      const t = table(200_000, () => costMs);
      const purged = await inBatches(t.batch, undefined, t.clock);
      expect(t.left()).toBe(0);
      expect(purged).toMatchObject({ rows: 200_000, batches: t.took.filter((ms) => ms > 0).length });
      expect(Math.max(...t.took)).toBeLessThanOrEqual(20);
      expect(purged.slowest).toBeCloseTo(Math.max(...t.took), 9);
      // Few batches where rows are cheap: not a turn of the event loop per hundred rows.
      if (costMs >= 0.01) expect(t.took.slice(-3, -1).every((ms) => ms >= BATCH_TARGET_MS / 2)).toBe(true);
    });
  }

  it("a disk that turns ten times slower midway: one batch over the aim, then back to it", async () => {
    const t = table(100_000, (batch) => (batch < 10 ? 0.01 : 0.1));
    await inBatches(t.batch, undefined, t.clock);
    expect(t.took.slice(11).every((ms) => ms <= 2 * BATCH_TARGET_MS)).toBe(true);
    expect(t.left()).toBe(0);
  });

  it("starts small, at most doubles, never below ten rows", () => {
    expect(FIRST_BATCH).toBe(50);
    expect(nextBatchSize(100, 0)).toBe(200);
    expect(nextBatchSize(100, 1)).toBe(200);
    expect(nextBatchSize(100, 5)).toBe(100);
    expect(nextBatchSize(100, 20)).toBe(25);
    expect(nextBatchSize(100, 1000)).toBe(10);
    expect(nextBatchSize(2000, 1)).toBe(2000);
  });

  it("stops when told, between batches, and lets the event loop run between them", async () => {
    const t = table(10_000, () => 0.001);
    let turns = 0;
    let stopped = false;
    const tick = () => {
      turns++;
      if (!stopped) setImmediate(tick);
    };
    setImmediate(tick);
    const purged = await inBatches(t.batch, () => t.took.length === 3, t.clock);
    stopped = true;
    expect(purged.batches).toBe(3);
    expect(turns).toBeGreaterThanOrEqual(2);
  });
});
