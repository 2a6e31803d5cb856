// The file link on a real folder: what it reads becomes a face position here, at the edge, and
// our own writes into the status file, read back by the watch, never reach the core.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { type AddressInfo, type Socket, connect, createServer } from "node:net";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_FACE } from "../../lib/face";
import { createLogger } from "../log";
import { openFileLink } from "./file-link";
import type { TelegraphLink } from "./link";

let dir = "";
let link: TelegraphLink | undefined;
afterEach(async () => {
  await link?.close();
  await rm(dir, { recursive: true, force: true });
});

/** `busyMs`: each order holds the event loop this long, as a broadcast to thousands of panels does. */
async function open({ busyMs = 0 } = {}) {
  dir = await mkdtemp(path.join(tmpdir(), "chadburn-link-"));
  const statusFile = path.join(dir, "status.eot");
  await writeFile(statusFile, "");
  const orders: number[] = [];
  const waiting: { position: number; resolve: () => void }[] = [];
  const echoes: (() => void)[] = [];
  const log = createLogger(
    "debug",
    new Writable({
      write(chunk, _e, done) {
        if (JSON.parse(String(chunk)).msg.includes("our own write")) echoes.splice(0).forEach((resolve) => resolve());
        done();
      },
    }),
  );
  link = openFileLink({
    statusFile,
    acceptFile: path.join(dir, "accept.eot"),
    face: DEFAULT_FACE,
    log,
    onOrder: (position) => {
      for (const until = performance.now() + busyMs; performance.now() < until;);
      orders.push(position.position);
      for (const wait of waiting.filter((w) => w.position === position.position)) wait.resolve();
    },
    onHealth: () => {},
  });
  await link.ready;
  /** Resolves when the link reports this position: a barrier, not a sleep. */
  const reported = (position: number) => new Promise<void>((resolve) => waiting.push({ position, resolve }));
  const echoed = () => new Promise<void>((resolve) => echoes.push(resolve));
  return { statusFile, orders, reported, echoed, link };
}

describe("file link", () => {
  it("reports what the telegraph writes as a face position, but not our own write read back", async () => {
    const t = await open();
    const five = t.reported(5);
    const two = t.reported(2); // before the write: its read may come before writeFile resolves
    await writeFile(t.statusFile, "half\n"); // a name: resolved here
    await two;
    const echo = t.echoed();
    await t.link.tellOrder(3); // a panel's order, written into the status file
    await echo; // read back, and dropped
    await writeFile(t.statusFile, "5\n"); // then the telegraph's
    await five;
    expect(t.orders).toEqual([2, 5]);
    const three = t.reported(3);
    await writeFile(t.statusFile, "3\n"); // the position we once wrote, given by the telegraph later: news
    await three;
    expect(t.orders).toEqual([2, 5, 3]);
  });

  it("reads an order as its event comes, ahead of I/O that came in after it", async () => {
    const t = await open();
    // A socket of this process that gets a byte just after the write, as a panel's receipt would:
    // libuv hands both to the same turn of the loop, the watch's event first.
    const server = createServer();
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const accepted = once(server, "connection") as Promise<[Socket]>;
    const client = connect((server.address() as AddressInfo).port, "127.0.0.1");
    const [[socket]] = await Promise.all([accepted, once(client, "connect")]); // so that its write goes out at once
    const ordersAtData = once(socket, "data").then(() => [...t.orders]);
    await new Promise(setImmediate); // the socket is being read: its byte comes in the turn the write's event does
    writeFileSync(t.statusFile, "7\n");
    client.write("x");
    // Read at the end of the turn (the old way), the order came after the byte: [].
    expect(await ordersAtData).toEqual([7]);
    client.destroy();
    server.close();
  });

  it("lets timers run between orders that come faster than it hands them on", async () => {
    const t = await open({ busyMs: 30 });
    const first = t.reported(2);
    // Another process writes positions 1 to 9 over and over, one every 5 ms, for 2 s at most: each order's 30 ms sees several writes.
    const script = `let i = 0;
      const w = setInterval(() => {
        require("fs").writeFileSync(process.argv[1], 1 + (++i % 9) + "\\n");
        if (i === 400) clearInterval(w);
      }, 5);`;
    const writer = spawn(process.execPath, ["-e", script, t.statusFile], { stdio: "ignore" });
    await first;
    // The orders up to the first 2: as many as the writer's first writes came faster than they were read.
    const before = t.orders.length;
    // A timer set at that order fires after an order or two more, not once the writes stop: libuv
    // reads the watch's events until there are none, and an order handed on inside its callback let
    // the next write's event in, and the next, for as long as the writer went on.
    const atTimer = await new Promise<number>((resolve) => setTimeout(() => resolve(t.orders.length - before), 0));
    writer.kill();
    await once(writer, "exit");
    expect(atTimer).toBeLessThanOrEqual(2);
  });
});
