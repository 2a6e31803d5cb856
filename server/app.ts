// Composition: the files, the core, socket.io and HTTP on one server. Nothing here reads the
// environment; main.ts hands in the config (tests hand in their own).
import { mkdir, open } from "node:fs/promises";
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { Duplex } from "node:stream";
import { SOCKET_PATH } from "../lib/protocol";
import { createBridge } from "./bridge";
import type { Config } from "./config";
import { httpHandler } from "./gateway/http";
import { attachSockets } from "./gateway/socket";
import { readPositionFile, writePositionFile } from "./links/position-file";
import { openStatusFile } from "./links/status-file";
import type { Logger } from "./log";
import { restore } from "./telegraph/telegraph";

/** Next's handlers, when the panel is served by this process. */
export interface Web {
  request(req: IncomingMessage, res: ServerResponse): Promise<void>;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void>;
}

export interface Chadburn {
  port: number;
  /** Tells panels why, closes every connection and the watch. */
  close(reason?: string): Promise<void>;
}

type Settings = Pick<Config, "port" | "host" | "statusFile" | "acceptFile" | "face">;

/** The files the telegraph and we share, created (folders too) on first start; restart state comes from them. */
async function restoreFromFiles({ statusFile, acceptFile, face }: Settings, log: Logger) {
  const saved: Parameters<typeof restore>[1] = {};
  for (const [file, key] of [[statusFile, "order"], [acceptFile, "answer"]] as const) {
    await mkdir(path.dirname(file), { recursive: true });
    await (await open(file, "a")).close();
    const read = await readPositionFile(file, face);
    if (read.kind === "position") saved[key] = { position: read.position, at: read.mtime.toISOString() };
    if (read.kind === "error") log.warn(`${file} ignored at start: ${read.error}`);
  }
  return restore(face, saved);
}

export async function startChadburn(settings: Settings, log: Logger, web?: Web): Promise<Chadburn> {
  const initial = await restoreFromFiles(settings, log);
  const http = createServer();
  // The outlets reach the gateway and link made just below: the bridge calls them only once events flow.
  const bridge = createBridge(
    initial,
    {
      writeStatus: (position) => statusFile.write(position),
      writeAccept: (position) => writePositionFile(settings.acceptFile, position),
      broadcast: (snapshot) => sockets.broadcast(snapshot),
    },
    log,
  );
  // Before socket.io attaches: it then keeps its own path's requests from reaching this handler.
  http.on("request", httpHandler({ bridge, health: () => statusFile.health(), log, web: web?.request }));
  const sockets = attachSockets(http, bridge, log);
  const statusFile = openStatusFile({
    file: settings.statusFile,
    face: settings.face,
    log,
    onOrder: (position) => void bridge.handle({ type: "order", position, source: "telegraph" }),
  });

  if (web) {
    http.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (!req.url?.startsWith(SOCKET_PATH)) void web.upgrade(req, socket, head);
    });
  }

  await statusFile.ready;
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(settings.port, settings.host, resolve);
  });

  return {
    port: (http.address() as AddressInfo).port,
    async close(reason = "server restarting") {
      await statusFile.close();
      http.closeIdleConnections();
      await sockets.close(reason); // also closes the HTTP server
      http.closeAllConnections();
    },
  };
}
