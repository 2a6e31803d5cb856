// The serial link against @serialport/binding-mock: fast checks of its own logic. The same link
// is tested through a real pseudo-terminal in test/serial.test.ts.
import { Writable } from "node:stream";
import { SerialPortMock } from "serialport";
import { afterEach, describe, expect, it } from "vitest";
import type { TelegraphSaid } from "../telegraph/telegraph";
import { DEFAULT_FACE } from "../../lib/face";
import type { LinkHealth } from "../../lib/protocol";
import { createLogger } from "../log";
import type { TelegraphLink } from "./link";
import { openSerialLink } from "./serial-link";

const MockBinding = SerialPortMock.binding;
type MockPortBinding = Awaited<ReturnType<typeof MockBinding.open>>;
const TIMING = { pingMs: 20, silenceMs: 150, retryMs: 10, maxRetryMs: 40 };

/** Resolves once `test` holds: what the link reports and writes, checked every 2 ms. */
function until<T>(items: T[], test: (items: T[]) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = setInterval(() => test(items) && (clearInterval(check), resolve()), 2);
  });
}

let link: TelegraphLink | undefined;
afterEach(async () => {
  await link?.close();
  MockBinding.reset();
});

function open(device: string, answer?: number) {
  let port: MockPortBinding | undefined;
  const binding = { ...MockBinding, open: async (options: Parameters<typeof MockBinding.open>[0]) => (port = await MockBinding.open(options)) };
  const orders: number[] = [];
  const presence: TelegraphSaid[] = [];
  const health: LinkHealth[] = [];
  const logs: string[] = [];
  const log = createLogger("info", new Writable({ write: (line, _encoding, done) => done(void logs.push(JSON.parse(line).msg)) }));
  link = openSerialLink({
    device,
    baud: 9600,
    face: DEFAULT_FACE,
    log,
    binding,
    timing: TIMING,
    onOrder: (p) => orders.push(p.position),
    onTelegraph: (p) => presence.push(p),
    onHealth: (h) => health.push(h),
    answer,
  });
  const written = () => port?.recording.toString() ?? "";
  return { orders, presence, health, logs, written, port: () => port!, link };
}

describe("serial link", () => {
  it("says the current answer on opening, counts the telegraph connected once it speaks, reads orders and HELLO, and pings", async () => {
    MockBinding.createPort("/dev/ttyACM0", { record: true });
    const t = open("/dev/ttyACM0", 7);
    await t.link.ready;
    await until([t], () => t.written().length > 0);
    expect(t.written()).toMatch(/^ANSWER 7\n/);
    expect(t.presence).toEqual([]);
    expect(t.link.health()).toMatchObject({ state: "disconnected", error: "open, but the telegraph has not spoken yet" });
    t.port().emitData("7\nORD");
    await until(t.presence, (p) => p.length === 1);
    expect(t.presence).toEqual([{ link: "serial", connected: true, device: "/dev/ttyACM0" }]);
    expect(t.health.at(-1)).toEqual({ link: "serial", state: "connected", at: "/dev/ttyACM0" }); // told, not only asked
    t.port().emitData("ER 11\r\nHELLO chadburn-eot 1.2.0\r\n");
    await until(t.presence, (p) => p.length === 2);
    expect(t.orders).toEqual([7, 11]);
    expect(t.presence[1]).toEqual({ link: "serial", connected: true, device: "/dev/ttyACM0", name: "chadburn-eot", firmware: "1.2.0" });
    await until([t], () => t.written().includes("PING\n"));
    expect(t.link.health()).toEqual({ link: "serial", state: "connected", at: "/dev/ttyACM0" });
  });

  it("tells the telegraph orders and answers from elsewhere, and answers its PING", async () => {
    MockBinding.createPort("/dev/ttyACM0", { record: true });
    const t = open("/dev/ttyACM0");
    await t.link.ready;
    await t.link.tellOrder(8);
    await t.link.tellAnswer(8);
    await until([t], () => t.written().includes("ANSWER 8\n"));
    t.port().emitData("PING\n");
    await until([t], () => t.written().includes("PONG\n"));
    expect(
      t
        .written()
        .split("\n")
        .filter((l: string) => l && l !== "PING"),
    ).toEqual(["ORDER 8", "ANSWER 8", "PONG"]);
  });

  it("logs and ignores garbage and over-long lines, then reads the next order", async () => {
    MockBinding.createPort("/dev/ttyACM0", { record: true });
    const t = open("/dev/ttyACM0");
    await t.link.ready;
    t.port().emitData(`COFFEE\n1000\n${"9".repeat(500)}\n\u0000\u0001\nANSWER 3\n99\n4\n`);
    await until(t.orders, (o) => o.length === 1);
    expect(t.orders).toEqual([4]);
    expect(t.logs).toEqual(
      expect.arrayContaining([
        expect.stringContaining("order ignored: unknown position 99: this face has 1 FULL"), // refused here, at the edge
        expect.stringContaining('ignored "COFFEE": unknown'),
        expect.stringContaining('ignored "1000": bad-number'),
        expect.stringContaining("dropped a line over 64 bytes"),
        expect.stringContaining('ignored "ANSWER 3": not for the server'),
      ]),
    );
  });

  it("a telegraph that falls silent counts as disconnected; the link reopens and it is connected once it speaks", async () => {
    MockBinding.createPort("/dev/ttyACM0", { record: true });
    const t = open("/dev/ttyACM0", 4);
    await t.link.ready;
    await t.link.tellAnswer(5); // the latest answer, not the one at start, is said again
    const first = t.port();
    first.emitData("PONG\n");
    await until(t.presence, (p) => p.length === 2);
    expect(t.presence[1]).toEqual({ link: "serial", connected: false, device: "/dev/ttyACM0" });
    expect(t.logs.join("\n")).toContain("nothing heard for 0.15 s");
    await until([t], () => t.port() !== first && t.written().length > 0);
    expect(t.written()).toMatch(/^ANSWER 5\n/); // said again on the new connection
    expect(t.presence).toHaveLength(2); // a silent device is not a connected telegraph
    t.port().emitData("PONG\n");
    await until(t.presence, (p) => p.length === 3);
    expect(t.presence[2]).toEqual({ link: "serial", connected: true, device: "/dev/ttyACM0" });
  });

  it("auto finds the Teensy by its vendor id, and waits for one that is not there yet", async () => {
    MockBinding.createPort("/dev/ttyS0", { vendorId: "1a86" });
    const t = open("auto");
    await t.link.ready;
    expect(t.link.health()).toMatchObject({ state: "disconnected", error: "no USB serial device with PJRC's vendor id 16c0" });
    MockBinding.createPort("/dev/ttyACM3", { vendorId: "16C0" });
    await until([t], () => !!t.port());
    t.port().emitData("HELLO chadburn-eot 1.0.0\n");
    await until(t.presence, (p) => p.length >= 1);
    expect(t.presence[0]).toEqual({ link: "serial", connected: true, device: "/dev/ttyACM3" });
  });

  it("a device that cannot be opened is retried, with the reason in the health", async () => {
    const t = open("/dev/nothing");
    await t.link.ready;
    expect(t.link.health()).toMatchObject({ link: "serial", state: "disconnected", at: "/dev/nothing" });
    expect(t.link.health().error).toMatch(/nothing/);
    MockBinding.createPort("/dev/nothing");
    await until([t], () => !!t.port());
    t.port().emitData("PONG\n");
    await until(t.presence, (p) => p.length === 1);
    expect(t.presence[0].connected).toBe(true);
  });
});
