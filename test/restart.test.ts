// A client of the server's own making (not the panel): plain socket.io-client with its default
// reconnection, through real restarts of a server process on the same port and data folder; a
// second server on that folder, refused; a port another program holds, refused.
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { promisify } from "node:util";
import { io } from "socket.io-client";
import { afterEach, expect, it } from "vitest";
import { tempDir } from "./support/files";
import { type Client, disconnected, nextState, order, stateWhere } from "./support/panels";
import { spawnServer } from "./support/processes";
import { tracker } from "./support/track";
import { waitFor, within } from "./support/wait";
import { getSnapshot } from "./support/http";
import { startServer } from "./support/server";
import { SOCKET_PATH } from "../lib/protocol";

const track = tracker();
afterEach(() => track.cleanup());

/** socket.io-client's default backoff tops out at 5 s between tries; a few tries fit in this. */
const BACK_WITHIN_MS = 20_000;

const restart = (signal: NodeJS.Signals, bye: string[]) => async () => {
  const dir = track.dir(await tempDir());
  const first = track.server(await spawnServer(dir));
  const client: Client = io(first.url, { path: SOCKET_PATH });
  track.client({ client });
  const byes: string[] = [];
  client.on("bye", ({ reason }) => byes.push(reason));
  let reconnects = 0;
  client.io.on("reconnect", () => reconnects++);
  await within(nextState(client), "the first state");
  const written = stateWhere(client, (s) => s.order?.position === 7);
  writeFileSync(first.statusFile, "7\n");
  expect((await within(written, "the order 7")).order).toMatchObject(order(7, 1));

  const gone = disconnected(client);
  const back = nextState(client); // the server sends none while it goes down or is down
  await first.stop(signal);
  expect(await within(gone, "the disconnect")).toBe("transport close");
  expect(byes).toEqual(bye);
  writeFileSync(first.statusFile, "9\n"); // while down: the fresh state has it

  track.server(await spawnServer(dir, { port: Number(new URL(first.url).port) }));
  const fresh = await within(back, "the state after the restart", BACK_WITHIN_MS);
  // Its seq is the store's business (kill -9 may take the last order's journal entry with it).
  expect(fresh.order).toMatchObject({ position: 9, source: "telegraph" });
  expect(client.connected).toBe(true);
  expect(reconnects).toBe(1);
};

it(
  "after SIGTERM and a restart, a default socket.io client hears the bye, reconnects by itself and gets a fresh state",
  { timeout: 60_000 },
  restart("SIGTERM", ["server restarting"]),
);
it(
  "after kill -9 and a restart, a default socket.io client reconnects by itself and gets a fresh state",
  { timeout: 60_000 },
  restart("SIGKILL", []),
);

/**
 * The server as people start it (npm start), without its panel, expected to refuse: its exit code
 * and the last line it printed, what they would read.
 */
async function refusedStart(port: string, host: string, dir: string): Promise<{ code: number; line: string | undefined }> {
  const args = ["--import", "tsx", "server/main.ts", "--headless", "--port", port, "--host", host, "--data-dir", dir];
  const refused = await promisify(execFile)(process.execPath, args).then(
    () => expect.unreachable(`it started with --port ${port} --host ${host}`),
    (error: { code: number; stderr: string }) => error,
  );
  return { code: refused.code, line: refused.stderr.trim().split("\n").at(-1) };
}

/** The server's state once its order is at `position` (over HTTP, as anyone would ask). */
const serving = (url: string, position: number, what: string) =>
  waitFor(async () => {
    const now = await getSnapshot(url);
    return now.order?.position === position ? now : undefined;
  }, what);

it("a second server on the same data folder is refused in one line; the first goes on alone", { timeout: 60_000 }, async () => {
  const dir = track.dir(await tempDir());
  const first = track.server(await spawnServer(dir));
  expect(await refusedStart("0", "127.0.0.1", dir)).toEqual({
    code: 1,
    line: `chadburn: the data folder ${dir} is in use by another Chadburn server: stop that one first (several nodes of one server: --redis, docs/scaling.md)`,
  });
  writeFileSync(first.statusFile, "7\n");
  expect((await serving(first.url, 7, "order 7 on the first server")).order).toMatchObject(order(7, 1));
});

it(
  "a port another program holds is refused in one line saying so; the failed start lets go of its folder, which then serves",
  { timeout: 60_000 },
  async () => {
    const dir = track.dir(await tempDir());
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    const port = (holder.address() as AddressInfo).port;
    try {
      const line = `port ${port} on 127.0.0.1 is in use by another program: stop it, or choose another port (--port, or "port" in the config file)`;
      expect(await refusedStart(String(port), "127.0.0.1", dir)).toEqual({ code: 1, line: `chadburn: ${line}` });
      // An address that is not this machine's (192.0.2.0/24 is for documentation, never assigned).
      expect(await refusedStart("0", "192.0.2.1", dir)).toEqual({
        code: 1,
        line: "chadburn: 192.0.2.1 is not an address of this machine: choose one of its own (--host), or none to listen on every interface",
      });

      // In one process: the failed start closed what it had opened, the data folder's hold among them.
      await expect(startServer({ dir, port })).rejects.toThrow(line);
      const server = await startServer({ dir });
      try {
        writeFileSync(server.statusFile, "7\n");
        expect((await serving(server.url, 7, "order 7 on the server started after the refused one")).order).toMatchObject(order(7, 1));
      } finally {
        await server.stop();
      }
    } finally {
      holder.close();
    }
  },
);
