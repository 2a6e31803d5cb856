// A load balancer of the tests' own: TCP on a loopback port, each connection to the next backend
// in turn (round robin, no stickiness), skipping one that refuses it. Panels go through it over
// WebSocket only, as docs/scaling.md says they must.
import { type Socket, connect, createServer } from "node:net";

export interface Balancer {
  url: string;
  close(): Promise<void>;
}

/** Balances over the backends' ports on 127.0.0.1. */
export async function startBalancer(ports: number[]): Promise<Balancer> {
  let next = 0;
  const open = new Set<Socket>();
  const server = createServer((client) => {
    open.add(client);
    client.on("close", () => open.delete(client));
    client.pause();
    const tryFrom = (tries: number) => {
      if (tries === 0) return void client.destroy();
      const backend = connect(ports[next++ % ports.length], "127.0.0.1");
      backend.once("error", () => tryFrom(tries - 1));
      backend.once("connect", () => {
        backend.removeAllListeners("error");
        open.add(backend);
        backend.on("close", () => open.delete(backend));
        for (const [from, to] of [
          [client, backend],
          [backend, client],
        ]) {
          from.pipe(to);
          from.on("error", () => to.destroy());
          from.on("close", () => to.destroy());
        }
        client.resume();
      });
    };
    tryFrom(ports.length);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
