// The guard's rule on engine.io's connection as stalled.ts sees it (its queue and events), on a fake
// clock; test/stalled.test.ts runs it against real panels, one of them frozen.
import { EventEmitter } from "node:events";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Logger } from "../log";
import { MAX_WAITING, dropStalledPanels } from "./stalled";

class FakeConnection extends EventEmitter {
  remoteAddress = "192.0.2.7";
  writeBuffer: unknown[] = [];
  transport = { name: "polling" };
  closed: boolean[] = [];
  close(discard: boolean) {
    this.closed.push(discard);
    this.emit("close");
  }
  /** engine.io hands the queue to the transport (it is writable: a poll came, the socket took the last): "flush", then empty. */
  take() {
    this.emit("flush", this.writeBuffer);
    this.writeBuffer = [];
  }
  /** engine.io queues a packet, then tells its listeners. */
  queue(n: number) {
    for (let i = 0; i < n; i++) {
      this.writeBuffer.push("42[...]");
      this.emit("packetCreate");
    }
  }
}

function guarded() {
  const engine = new EventEmitter();
  const warnings: string[] = [];
  dropStalledPanels({ engine } as never, { warn: (line: string) => warnings.push(line) } as unknown as Logger);
  const open = () => {
    const connection = new FakeConnection();
    engine.emit("connection", connection);
    return connection;
  };
  return { open, warnings };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("a panel that stops reading", () => {
  it("is dropped, its queue discarded, when MAX_WAITING messages still wait a second later", () => {
    const { open, warnings } = guarded();
    const [stuck, reading] = [open(), open()];
    stuck.queue(MAX_WAITING);
    reading.queue(MAX_WAITING - 1);
    vi.advanceTimersByTime(999);
    expect(stuck.closed).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(stuck.closed).toEqual([true]);
    expect(reading.closed).toEqual([]);
    expect(warnings).toEqual([expect.stringMatching(/^panel at 192\.0\.2\.7 dropped: 32 messages waiting/)]);
    expect(stuck.listenerCount("packetCreate")).toBe(0);
  });

  it("is kept when its queue drained meanwhile, and watched again when it piles up again", () => {
    const { open } = guarded();
    const panel = open();
    panel.queue(MAX_WAITING);
    panel.take();
    vi.advanceTimersByTime(1000);
    expect(panel.closed).toEqual([]);
    expect(panel.eventNames()).toEqual(["packetCreate"]);
    panel.queue(MAX_WAITING);
    vi.advanceTimersByTime(1000);
    expect(panel.closed).toEqual([true]);
  });

  it("is kept on long-polling through a burst, where as many wait between two polls: it takes them at each poll", () => {
    const { open, warnings } = guarded();
    const poller = open();
    for (let poll = 0; poll < 10; poll++) {
      poller.queue(MAX_WAITING + 10);
      vi.advanceTimersByTime(400);
      poller.take(); // a poll: the queue goes out, all of it
    }
    poller.queue(MAX_WAITING);
    expect(poller.closed).toEqual([]);
    // Then no poll for a second, with as many waiting: it stopped reading.
    vi.advanceTimersByTime(1000);
    expect(poller.closed).toEqual([true]);
    expect(warnings).toHaveLength(1);
  });

  it("costs nothing once gone by itself: no timer left, nothing dropped", () => {
    const { open, warnings } = guarded();
    const panel = open();
    panel.queue(MAX_WAITING + 5); // one timer, however many more arrive
    expect(vi.getTimerCount()).toBe(1);
    panel.emit("close");
    expect(vi.getTimerCount()).toBe(0);
    expect(panel.listenerCount("flush")).toBe(0);
    vi.advanceTimersByTime(1000);
    expect(panel.closed).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it("adds no listener but one per connection while nothing piles up", () => {
    const { open } = guarded();
    const panel = open();
    panel.queue(MAX_WAITING - 1);
    expect(panel.eventNames()).toEqual(["packetCreate"]);
  });
});
