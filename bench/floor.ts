// The floor the benchmark measures Chadburn against: the least a server can do to push a status
// file's order to WebSocket clients. fs.watch on the file, a synchronous read on every event, and
// when it holds a new position one frame, encoded once, written to every client by `ws`. No
// socket.io, no chokidar, no state, no logging, no checks.
// Usage: node --import tsx bench/floor.ts --file <status file> [--port 0] [--template <snapshot.json>]
// Prints "floor listening on http://127.0.0.1:<port>" once it listens.
//
// The frame: with --template (a Chadburn snapshot, as GET /api/state gives it) the template with
// its order's position and seq replaced, so the floor sends what Chadburn sends, byte for byte the
// same size and shape, and its clients parse as much; without, {"order":{"position":p,"seq":n}}.
import { watch } from "node:fs";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import * as ws from "ws";

const { WebSocket, WebSocketServer } = ws;
/** ws's framing (ws exports it; its types do not declare it). */
const { Sender: WsSender } = ws as unknown as { Sender: { frame(data: Buffer, options: object): Buffer[] } };

const { values } = parseArgs({
  options: {
    file: { type: "string" },
    port: { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" },
    template: { type: "string" },
  },
});
if (!values.file) throw new Error("--file is required");
const file = values.file;
const template = values.template ? (JSON.parse(readFileSync(values.template, "utf8")) as { order?: Record<string, unknown> | null }) : undefined;

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

let seq = 0;
let last = "";
let frame = frameOf(JSON.stringify(template ? { ...template, order: null } : { order: null }));

const server = new WebSocketServer({ host: values.host, port: Number(values.port), perMessageDeflate: false });
server.on("connection", (client) => {
  client.on("error", () => {});
  (client as unknown as { _sender: Sender })._sender.sendFrame(frame);
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
  const position = Number(text);
  const order = template ? { ...template.order, position, seq: ++seq } : { position, seq: ++seq };
  frame = frameOf(JSON.stringify(template ? { ...template, order } : { order }));
  for (const client of server.clients) {
    if (client.readyState === WebSocket.OPEN) (client as unknown as { _sender: Sender })._sender.sendFrame(frame);
  }
});

process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));
