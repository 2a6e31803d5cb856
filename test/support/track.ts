// What a test made (clients, servers, processes, ptys, folders), undone after it.
import { type TestPty, removeDir } from "./files";
import type { Client } from "./panels";
import type { ServerProcess } from "./processes";
import type { TestServer } from "./server";

/**
 * Closes clients, stops servers and socat made during a test, and removes their folders; call
 * `track.client(...)`, `track.server(...)`, `track.pty(...)`, `track.dir(...)` as you make them and
 * `track.cleanup()` in afterEach.
 */
export function tracker() {
  let clients: Client[] = [];
  let children: { stop(): Promise<void> }[] = [];
  let servers: { stop(): Promise<void> }[] = [];
  let ptys: TestPty[] = [];
  let dirs: string[] = [];
  return {
    client<T extends { client: Client }>(connected: T): T {
      clients.push(connected.client);
      return connected;
    },
    server<S extends TestServer | ServerProcess>(server: S): S {
      servers.push(server);
      dirs.push(server.dir);
      return server;
    },
    /** A process of the test's own (panels, a relay), stopped before the servers. */
    child<P extends { stop(): Promise<void> }>(spawned: P): P {
      children.push(spawned);
      return spawned;
    },
    pty(pair: TestPty): TestPty {
      ptys.push(pair);
      dirs.push(pair.dir);
      return pair;
    },
    dir(dir: string): string {
      dirs.push(dir);
      return dir;
    },
    async cleanup(): Promise<void> {
      for (const client of clients) client.close();
      await Promise.all(children.map((c) => c.stop().catch(() => {})));
      await Promise.all(servers.map((s) => s.stop().catch(() => {})));
      await Promise.all(ptys.map((p) => p.stop())); // after the servers, which hold their ends open
      await Promise.all(dirs.map(removeDir));
      clients = [];
      children = [];
      servers = [];
      ptys = [];
      dirs = [];
    },
  };
}

export type Tracker = ReturnType<typeof tracker>;
