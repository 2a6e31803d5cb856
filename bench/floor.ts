// The floors the benchmark measures Chadburn against: the least a server can do to push a status
// file's order to WebSocket clients. fs.watch on the file, a synchronous read on every event, and
// when it holds a new position one frame, encoded once, written to every client by `ws`. No
// socket.io, no chokidar, no state, no logging, no checks; what clients send is read and dropped.
// Usage: node --import tsx bench/floor.ts --file <status file> --frame snapshot|raw|socketio [--port 0] [--template <snapshot.json>]
// Prints "floor listening on http://127.0.0.1:<port>" once it listens.
//
// --frame, what each order is on the wire:
//   snapshot  the --template (a Chadburn snapshot, as GET /api/state gives it) with its order's
//             position and seq replaced: what Chadburn sent at every order before issue 15, byte for
//             byte the same size and shape, so its clients parse as much;
//   raw       {"position":7,"seq":12}: the smallest frame that says the news;
//   socketio  42["change",{"position":7,"seq":12}]: the same in socket.io's format, on just enough
//             of Engine.IO 4 / Socket.IO 5 over a WebSocket for socket.io-client to connect to it
//             unchanged: the open packet, the namespace's connect, a ping every 10 s (Chadburn's
//             settings), the current order as `state` once connected.
import { randomBytes } from "node:crypto";
import { readFileSync, watch } from "node:fs";
import { parseArgs } from "node:util";
import * as ws from "ws";

const { WebSocket, WebSocketServer } = ws;
/** ws's framing (ws exports it; its types do not declare it). */
const { Sender: WsSender } = ws as unknown as { Sender: { frame(data: Buffer, options: object): Buffer[] } };

const { values } = parseArgs({
  options: {
    file: { type: "string" },
    frame: { type: "string", default: "raw" },
    port: { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" },
    template: { type: "string" },
  },
});
if (!values.file) throw new Error("--file is required");
if (!["snapshot", "raw", "socketio"].includes(values.frame)) throw new Error("--frame is snapshot, raw or socketio");
if (values.frame === "snapshot" && !values.template) throw new Error("--frame snapshot needs --template");
const file = values.file;
const socketIo = values.frame === "socketio";
const template = values.template ? (JSON.parse(readFileSync(values.template, "utf8")) as { order?: Record<string, unknown> | null }) : undefined;

/** Chadburn's engine.io settings (server/gateway/socket.ts), so the heartbeat costs the same. */
const PING_INTERVAL_MS = 10_000;
const PING_TIMEOUT_MS = 10_000;
const MAX_PAYLOAD = 4096;

/** ws's own framing, done once per broadcast: what socket.io's adapter does too (wsPreEncodedFrame). */
interface Sender {
  sendFrame(frame: Buffer[], cb?: (error?: Error) => void): void;
}
const frameOf = (text: string): Buffer[] =>
  WsSender.frame(Buffer.from(text), {
    fin: true,
    rsv1: false,
    opcode: 1,
    mask: false,
    readOnly: false,
  });
const sendFrame = (client: ws.WebSocket, frame: Buffer[]) => (client as unknown as { _sender: Sender })._sender.sendFrame(frame);

/** The order's text: raw and socketio carry the position and seq alone, snapshot the whole template. */
function orderText(position: number | null, seq: number): string {
  if (template) return JSON.stringify({ ...template, order: position === null ? null : { ...template.order, position, seq } });
  return JSON.stringify({ position, seq });
}

let seq = 0;
let last = "";
let current = orderText(null, 0);
let frame = frameOf(socketIo ? `42["change",${current}]` : current);
/** The clients that get orders: every client, or with socketio those connected to the namespace. */
const receivers = new Set<ws.WebSocket>();
const PING = frameOf("2");
const sid = () => randomBytes(15).toString("base64url"); // 20 characters, as engine.io's

const server = new WebSocketServer({ host: values.host, port: Number(values.port), perMessageDeflate: false });
server.on("connection", (client) => {
  client.on("error", () => {});
  client.on("close", () => receivers.delete(client));
  if (!socketIo) {
    receivers.add(client);
    sendFrame(client, frame);
    return;
  }
  // Engine.IO's open packet; the client must hear a ping every pingInterval or it gives up.
  client.send(
    `0${JSON.stringify({ sid: sid(), upgrades: [], pingInterval: PING_INTERVAL_MS, pingTimeout: PING_TIMEOUT_MS, maxPayload: MAX_PAYLOAD })}`,
  );
  const pings = setInterval(() => sendFrame(client, PING), PING_INTERVAL_MS);
  client.on("close", () => clearInterval(pings));
  client.on("message", (data) => {
    // "40" (or "40{auth}"): connect to the main namespace. Pongs ("3") and events ("42…": a panel's
    // hello and receipts) are dropped, their replies never sent.
    if (receivers.has(client) || !String(data).startsWith("40")) return;
    client.send(`40${JSON.stringify({ sid: sid() })}`);
    client.send(`42["state",${current}]`);
    receivers.add(client);
  });
});
server.on("listening", () => {
  const { port } = server.address() as { port: number };
  console.log(`floor listening on http://${values.host}:${port}`);
});

watch(file, () => {
  let text: string;
  try {
    text = readFileSync(file, "utf8").trim();
  } catch {
    return;
  }
  // Empty: the writer is between truncate and write; its write brings another event.
  if (!text || text === last) return;
  last = text;
  current = orderText(Number(text), ++seq);
  frame = frameOf(socketIo ? `42["change",${current}]` : current);
  for (const client of receivers) {
    if (client.readyState === WebSocket.OPEN) sendFrame(client, frame);
  }
});

process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));
