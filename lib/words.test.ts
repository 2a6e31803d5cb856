import { describe, expect, it } from "vitest";
import type { Presence, Snapshot } from "./protocol";
import { DEFAULT_FACE } from "./face";
import {
  after,
  describeLink,
  describeOrder,
  describeOrigin,
  describeListening,
  describeOutcome,
  describeReceipts,
  describeStatus,
  time,
} from "./words";

const order = { position: 7, name: "coffee", label: "COFFEE", seq: 4, at: "2026-11-26T10:02:00.000Z", source: "telegraph" } as const;
const snapshot = (answered: boolean): Snapshot =>
  ({
    order,
    answer: answered ? { position: 7, seq: 4, at: "2026-11-26T10:02:42.000Z", by: "Ann" } : null,
    acknowledged: answered,
  }) as Snapshot;
const presence = (p: Partial<Presence>): Presence => ({ panels: 0, unnamed: 0, people: [], receipts: null, ...p });

describe("the panel's words", () => {
  it('"COFFEE: delivered to 7, rang on 5, muted on 1, sound blocked on 1, answered by Ann in 42 s"', () => {
    const receipts = { seq: 4, delivered: 7, rang: 5, muted: 1, blocked: 1 };
    expect(describeReceipts(snapshot(true), receipts)).toBe(
      "COFFEE: delivered to 7, rang on 5, muted on 1, sound blocked on 1, answered by Ann in 42 s",
    );
    expect(describeReceipts(snapshot(false), { ...receipts, muted: 0, blocked: 0 })).toBe("COFFEE: delivered to 7, rang on 5, not answered yet");
    // Receipts of an earlier order are not this order's.
    expect(describeReceipts(snapshot(false), { ...receipts, seq: 3 })).toBe("COFFEE: not answered yet");
  });

  it('a link in error: "status file unreadable since 10:32: it is a directory"', () => {
    const since = "2026-11-26T10:32:05.000Z";
    expect(describeLink({ link: "status-file", state: "error", error: "it is a directory", since })).toBe(
      `status file unreadable since ${time(since)}: it is a directory`,
    );
    expect(describeLink({ link: "serial", state: "error", error: "EACCES" })).toBe("serial line failing: EACCES");
  });

  it('an order: "COFFEE — sent by Ann from a panel at 10:02", its notification\'s body without the label', () => {
    const at = time(order.at);
    expect(describeOrder(order)).toBe(`COFFEE — from the telegraph at ${at}`);
    expect(describeOrigin({ ...order, source: "panel", by: "Ann" })).toBe(`sent by Ann from a panel at ${at}`);
    expect(describeOrigin({ ...order, source: "api" })).toBe(`sent through the API at ${at}`);
    expect(describeOrder(null)).toBe("no order yet");
  });

  it("how long an answer took", () => {
    const at = (s: number) => new Date(Date.parse(order.at) + s * 1000).toISOString();
    expect([0, 42, 60, 185, 3600, 7800].map((s) => after(order.at, at(s)))).toEqual([
      "in 0 s",
      "in 42 s",
      "in 1 min",
      "in 3 min 5 s",
      "in 1 h",
      "in 2 h 10 min",
    ]);
  });

  it('what became of an order in the history: "answered in 42 s", "not answered", "expired at 10:12, not answered"', () => {
    expect(describeOutcome({ firstAnswerMs: 42_400 })).toBe("answered in 42 s");
    expect(describeOutcome({ firstAnswerMs: 0 })).toBe("answered in 0 s");
    expect(describeOutcome({ firstAnswerMs: null })).toBe("not answered");
    const expiredAt = "2026-11-26T10:12:00.000Z";
    expect(describeOutcome({ firstAnswerMs: null, expiredAt })).toBe(`expired at ${time(expiredAt)}, not answered`);
  });

  it('who is listening: "Ann (2 panels), Bob and 2 unnamed panels"', () => {
    const people = [
      { name: "Ann", panels: 2, lastSeen: order.at },
      { name: "Bob", panels: 1, lastSeen: order.at },
      { name: "Cy", panels: 0, lastSeen: order.at },
    ];
    expect(describeListening(presence({ people, unnamed: 2 }))).toBe("Ann (2 panels), Bob and 2 unnamed panels");
    expect(describeListening(presence({ people: people.slice(1), unnamed: 1 }))).toBe("Bob and 1 unnamed panel");
    expect(describeListening(presence({ people: people.slice(2) }))).toBe("nobody");
    expect(describeListening(presence({ people, others: 48, unnamed: 1 }))).toBe("Ann (2 panels), Bob, 48 others and 1 unnamed panel");
  });

  it("what an order that insists is waiting for", () => {
    const base = { face: DEFAULT_FACE, history: [], answer: null, acknowledged: false, answered: 0 } as unknown as Snapshot;
    const expires = "2026-11-26T10:12:00.000Z";
    expect(describeStatus({ ...base, order: { ...order, expires } })).toBe(`waiting for an answer; clears at ${time(expires)}`);
    const battle = { ...order, position: 11, label: "BATTLE STATIONS", required: 3 };
    expect(describeStatus({ ...base, order: battle, answered: 1 })).toBe("waiting for answers: 1 of 3 answered; rings every 15 s until answered");
    expect(describeStatus({ ...base, order: battle, answered: 3, acknowledged: true })).toBe("acknowledged (3 of 3 answered)");
    expect(describeReceipts({ ...base, order: battle, answered: 1 }, null)).toBe("BATTLE STATIONS: 1 of 3 answered");
    const gone = { ...base, order: null, history: [{ order, answer: null, expired: expires }] } as Snapshot;
    expect(describeStatus(gone)).toBe(`COFFEE expired at ${time(expires)}`);
  });
});
