// Hostile input on the wire: raw Engine.IO v4 / Socket.IO v5 connections over a real WebSocket, a
// server with a well-behaved panel connected all along, and what must hold after each attack.
import { readFileSync, writeFileSync } from "node:fs";
import { type ManagerOptions, type SocketOptions, io } from "socket.io-client";
import { expect } from "vitest";
import WebSocket from "ws";
import type { Snapshot, You } from "../../lib/protocol";
import { MAX_MESSAGE_BYTES } from "../../lib/protocol";
import { getJson, getSnapshot } from "./http";
import { type Client, connect, expectNext } from "./panels";
import { type TestServer, startServer } from "./server";
import type { Tracker } from "./track";
import { waitFor, within } from "./wait";

/** How soon a change in the status file must reach the well-behaved panel after an attack. */
const PROMPT_MS = 1000;

/** The id the probes use: no case uses it. */
export const PROBE = 99;

export interface Raw {
  /** Every frame the server sent, oldest first (binary ones as "<binary N bytes>"). */
  received: string[];
  /** Sends one WebSocket frame: text for a string, binary for a Buffer unless told otherwise. */
  send(frame: string | Buffer, options?: { binary: boolean }): void;
  /** The first frame (already received or still to come) that passes `test`; fails if the connection closes first. */
  frame(test: (frame: string) => boolean, what: string): Promise<string>;
  /** Sends an event that asks for a reply ("42<id>[…]") and resolves with the reply ("43<id>[reply]"). */
  ack(frame: string): Promise<unknown>;
  /** Resolves once the connection is closed, with the close frame's code. */
  closed: Promise<number>;
  isOpen(): boolean;
}

export interface Observed {
  snapshot: Snapshot;
  status: string;
  accept: string;
}

export interface Setup {
  server: TestServer;
  /** A well-behaved panel, connected before the attack and all through it. */
  watcher: Client;
  /** What the server held before the attack: an order and its answer. */
  before: Observed;
  /** Where the server's log stood before the attack. */
  logged: number;
}

async function observe(server: TestServer): Promise<Observed> {
  return {
    snapshot: await getSnapshot(server.url),
    status: readFileSync(server.statusFile, "utf8"),
    accept: readFileSync(server.acceptFile, "utf8"),
  };
}

/** Servers, panels and raw connections made during a test; `cleanup()` in afterEach ends them all. */
export function hostileRig(track: Tracker) {
  let sockets: WebSocket[] = [];

  /** A WebSocket to socket.io's path, not yet past any handshake. */
  function socket(url: string): WebSocket {
    const ws = new WebSocket(`${url.replace(/^http/, "ws")}/socket.io/?EIO=4&transport=websocket`);
    sockets.push(ws);
    return ws;
  }

  /** Opens a WebSocket to socket.io's path and completes the handshake: Engine.IO's "0{…}", then "40" for the main namespace. */
  async function raw(url: string): Promise<Raw> {
    const ws = socket(url);
    const received: string[] = [];
    const checks = new Set<() => void>();
    ws.on("message", (data, binary) => {
      received.push(binary ? `<binary ${(data as Buffer).length} bytes>` : data.toString());
      for (const check of checks) check();
    });
    ws.on("error", () => {}); // a refused frame closes the connection: `closed` reports it
    const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));

    function frame(test: (frame: string) => boolean, what: string): Promise<string> {
      let check = () => {};
      const found = new Promise<string>((resolve, reject) => {
        check = () => {
          const hit = received.find(test);
          if (hit !== undefined) resolve(hit);
        };
        void closed.then((code) => reject(new Error(`${what}: the server closed the connection (${code})`)));
      });
      checks.add(check);
      check();
      return within(found, what, 3000).finally(() => checks.delete(check));
    }

    const conn: Raw = {
      received,
      send: (data, options) => ws.send(data, options ?? { binary: typeof data !== "string" }),
      frame,
      async ack(data) {
        const id = /^42(\d+)\[/.exec(data)?.[1];
        if (id === undefined) throw new Error(`${data} asks for no reply`);
        ws.send(data);
        const reply = await frame((f) => f.startsWith(`43${id}[`), `the reply to ${data.slice(0, 80)}`);
        return JSON.parse(reply.slice(2 + id.length))[0];
      },
      closed,
      isOpen: () => ws.readyState === WebSocket.OPEN,
    };
    const open = JSON.parse((await frame((f) => f.startsWith("0{"), "Engine.IO's open packet")).slice(1));
    expect(open).toMatchObject({ sid: expect.any(String), upgrades: [], maxPayload: MAX_MESSAGE_BYTES });
    ws.send("40");
    await frame((f) => f.startsWith("40{"), "socket.io's connect to the main namespace");
    return conn;
  }

  /** A server with a well-behaved panel, and something to lose: an order, and the answer that acknowledged it. */
  async function setup(): Promise<Setup> {
    const server = track.server(await startServer());
    const { client: watcher } = track.client(await connect(server.url));
    expect(await watcher.emitWithAck("order", { position: 3, by: "Ann" })).toEqual({ ok: true });
    expect(await watcher.emitWithAck("answer", { position: 3, by: "Bob" })).toEqual({ ok: true });
    const before = await observe(server);
    expect(before).toMatchObject({ status: "3\n", accept: "3\n", snapshot: { order: { position: 3, seq: 1 }, acknowledged: true } });
    return { server, watcher, before, logged: server.logs.length };
  }

  /**
   * What holds after every attack: the state and the files are as `expected` (by default, as
   * before); nothing polluted Object.prototype (the server runs in this process); every raw
   * connection let go, the server holds the watcher's alone; the watcher is still connected and
   * gets a new order written to the status file at once; the log holds only orders and answers.
   */
  async function unharmed({ server, watcher, before, logged }: Setup, expected: Observed = before): Promise<void> {
    expect(await observe(server)).toEqual(expected);
    expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain("position");
    expect(({} as Record<string, unknown>).position).toBeUndefined();

    for (const ws of sockets) ws.close();
    await waitFor(
      async () => (await getJson(`${server.url}/api/state`)).body.presence.panels === 1,
      "the server to hold the watcher's connection alone",
    );

    expect(watcher.connected).toBe(true);
    const position = expected.snapshot.order?.position === 9 ? 10 : 9;
    const started = performance.now();
    const next = await expectNext(watcher, () => writeFileSync(server.statusFile, `${position}\n`));
    expect(performance.now() - started).toBeLessThan(PROMPT_MS);
    expect(next.order).toMatchObject({ position, seq: (expected.snapshot.order?.seq ?? 0) + 1, source: "telegraph" });

    const unexpected = server.logs.slice(logged).filter((line) => !/^(order|answer): order #\d+ /.test(line));
    expect(unexpected).toEqual([]);
  }

  async function cleanup(): Promise<void> {
    for (const ws of sockets) ws.terminate();
    sockets = [];
    await track.cleanup();
  }

  return { socket, raw, setup, unharmed, cleanup };
}

/**
 * An event the server always answers (an order that is null: refused), sent after the frames
 * under test: frames on one connection are read in order, so its reply proves they were read
 * too, and did not close the connection.
 */
export async function stillServed(conn: Raw): Promise<void> {
  expect(await conn.ack(`42${PROBE}["order",null]`)).toEqual({ ok: false, error: "expected an object {position, by}, received null" });
  expect(conn.isOpen()).toBe(true);
}

export type Outcome = { connected: You } | { refused: string } | { closed: string };

/** Connects a panel-like socket.io client and resolves with how its handshake ended. */
export function handshake(url: string, options: Partial<ManagerOptions & SocketOptions>): Promise<Outcome> {
  const client = io(url, { transports: ["websocket"], reconnection: false, forceNew: true, ...options }) as unknown as Client;
  return within(
    new Promise<Outcome>((resolve) => {
      client.once("you", (you) => resolve({ connected: you }));
      client.once("connect_error", (error) => resolve({ refused: error.message }));
      client.once("disconnect", (reason) => resolve({ closed: reason }));
    }),
    `the handshake with ${JSON.stringify(options).slice(0, 80)}`,
  ).finally(() => client.close());
}
