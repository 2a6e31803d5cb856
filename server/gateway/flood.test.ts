// perSecondLimit: a connection's messages counted in a window of a second from its first one;
// past the limit each is refused, far past it the connection is closed once.
import { Writable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "../log";
import { FLOOD_PER_SECOND, perSecondLimit } from "./flood";

const log = createLogger("warn", new Writable({ write: (_chunk, _e, done) => done() }));

function socket(id: string) {
  const s = {
    id,
    connected: true,
    handshake: { address: "127.0.0.1" },
    emit: vi.fn(() => true),
    disconnect: vi.fn(() => ((s.connected = false), s)),
  };
  return s as typeof s & Parameters<ReturnType<typeof perSecondLimit>["admit"]>[0];
}

beforeEach(() => vi.useFakeTimers({ toFake: ["performance"] }));
afterEach(() => vi.useRealTimers());

describe("perSecondLimit", () => {
  it("lets `points` through in a second, refuses the rest with a reason, and counts afresh a second after the first", () => {
    const limit = perSecondLimit(3, log);
    const [a, b] = [socket("a"), socket("b")];
    expect([1, 2, 3, 4].map(() => limit.admit(a))).toEqual([undefined, undefined, undefined, "too many requests: at most 3 a second"]);
    expect(limit.admit(b)).toBeUndefined(); // each connection has its own count
    vi.advanceTimersByTime(999);
    expect(limit.admit(a)).toMatch(/too many/);
    vi.advanceTimersByTime(1);
    expect(limit.admit(a)).toBeUndefined();
    limit.forget(b);
    expect([1, 2, 3].map(() => limit.admit(b))).toEqual([undefined, undefined, undefined]);
  });

  it(`closes a connection once past ${FLOOD_PER_SECOND} messages in a second, saying why first`, () => {
    const limit = perSecondLimit(3, log);
    const a = socket("a");
    for (let i = 0; i < FLOOD_PER_SECOND; i++) limit.admit(a);
    expect(a.disconnect).not.toHaveBeenCalled();
    limit.admit(a);
    limit.admit(a);
    expect(a.disconnect).toHaveBeenCalledTimes(1);
    expect(a.emit.mock.calls).toEqual([["refused", { reason: `over ${FLOOD_PER_SECOND} messages in a second` }]]);
    expect(a.emit.mock.invocationCallOrder[0]).toBeLessThan(a.disconnect.mock.invocationCallOrder[0]);
  });
});
