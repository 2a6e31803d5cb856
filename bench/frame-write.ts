// A small bench for one choice in server/gateway/broadcast.ts: a change's WebSocket frame written to
// each panel as one buffer (one write) or as ws makes it, header and payload apart (a cork and a
// writev of two). The server's CPU per panel per frame, each way in turn, against N ws clients in
// two processes of their own.
//
// Usage: node --import tsx bench/frame-write.ts [--panels 2000] [--rounds 200] [--runs 3]
import { fork } from "node:child_process";
import { once } from "node:events";
import { parseArgs } from "node:util";
import * as ws from "ws";

const { values } = parseArgs({
  options: {
    panels: { type: "string", default: "2000" },
    rounds: { type: "string", default: "200" },
    runs: { type: "string", default: "3" },
    port: { type: "string" },
  },
});

if (values.port) {
  // A client process: half the panels, reading and dropping every frame.
  for (let i = 0; i < Number(values.panels); i++)
    new ws.WebSocket(`ws://127.0.0.1:${values.port}`, { perMessageDeflate: false }).on("error", () => {});
} else {
  const panels = Number(values.panels);
  const change = {
    version: 58,
    epoch: "0123456789abcdef0123456789abcdef",
    order: { position: 7, name: "coffee", label: "COFFEE", seq: 12, at: new Date().toISOString(), source: "telegraph" },
  };
  const two = (ws as unknown as { Sender: { frame(data: Buffer, options: object): Buffer[] } }).Sender.frame(
    Buffer.from(`42${JSON.stringify(["change", change])}`),
    {
      fin: true,
      rsv1: false,
      opcode: 1,
      mask: false,
      readOnly: false,
    },
  );
  for (let run = 0; run < Number(values.runs); run++) {
    for (const [name, frame] of [
      ["two buffers", two],
      ["one buffer", [Buffer.concat(two)]],
    ] as const) {
      const server = new ws.WebSocketServer({ port: 0, perMessageDeflate: false });
      await once(server, "listening");
      const port = String((server.address() as { port: number }).port);
      const clients = [0, 1].map(() =>
        fork(import.meta.filename, ["--port", port, "--panels", String(panels / 2)], { execArgv: ["--import", "tsx"] }),
      );
      while (server.clients.size < panels) await once(server, "connection");
      const senders = [...server.clients].map((client) => (client as unknown as { _sender: { sendFrame(frame: readonly Buffer[]): void } })._sender);
      const before = process.cpuUsage();
      for (let round = 0; round < Number(values.rounds); round++) {
        for (const sender of senders) sender.sendFrame(frame);
        await new Promise((resolve) => setTimeout(resolve, 5)); // the clients read, the kernel's buffers empty
      }
      const { user, system } = process.cpuUsage(before);
      console.log(`${name}: ${((user + system) / Number(values.rounds) / panels).toFixed(2)} µs of CPU per panel per frame`);
      for (const client of clients) client.kill();
      server.close();
      for (const client of server.clients) client.terminate();
    }
  }
}
