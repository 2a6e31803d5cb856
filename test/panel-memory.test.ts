// What the server keeps of a panel's connection (server/gateway/request.ts): not its HTTP requests,
// whichever way it came in; what it needs of them (who, from where) is read once and still holds
// at every order. The heap per panel itself is measured by `npm run bench` (docs/performance.md).
import { IncomingMessage } from "node:http";
import { queryObjects } from "node:v8";
import { Manager } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import { auditOf } from "./support/accounts";
import { getJson } from "./support/http";
import { type Client, connect } from "./support/panels";
import { startServer } from "./support/server";
import { tracker } from "./support/track";
import { waitFor, within } from "./support/wait";

const track = tracker();
afterEach(() => track.cleanup());

/** HTTP requests alive in this process (server and clients) after a full garbage collection. */
const requestsAlive = () => queryObjects(IncomingMessage, { format: "count" }) as number;

/** Resolves once the client's connection runs over WebSocket (a browser's starts as long-polling). */
const onWebSocket = (client: Client) =>
  client.io.engine.transport.name === "websocket" ? Promise.resolve() : new Promise((resolve) => client.io.engine.once("upgrade", resolve));

describe("a panel's connection", () => {
  it("keeps none of its HTTP requests once admitted, over WebSocket or moved there from long-polling as a browser does", async () => {
    const server = track.server(await startServer());
    const before = requestsAlive();
    const panels = await Promise.all(
      Array.from({ length: 20 }, (_, i) => connect(server.url, i % 2 ? {} : { transports: ["polling", "websocket"] }).then(track.client)),
    );
    await within(Promise.all(panels.map(({ client }) => onWebSocket(client))), "the moves to WebSocket");
    expect(requestsAlive() - before).toBe(0); // 20 or 40 more when engine.io's were kept
  });

  it("still knows where it came from: the address its first request gave behind a trusted proxy, in the audit log", async () => {
    const server = track.server(await startServer({ trustProxy: ["loopback"] }));
    const { client } = track.client(
      await connect(server.url, { transports: ["polling", "websocket"], extraHeaders: { "x-forwarded-for": "203.0.113.9" } }),
    );
    await within(onWebSocket(client), "the move to WebSocket");
    expect(await client.emitWithAck("order", { position: 7 })).toEqual({ ok: true });
    expect(auditOf(server).filter((e) => e.action === "order")).toMatchObject([{ who: "anonymous", address: "203.0.113.9" }]);
  });

  it("is one panel: connecting to the namespace again over the same connection is refused, saying why", async () => {
    const server = track.server(await startServer());
    const manager = new Manager(server.url, { transports: ["websocket"], reconnection: false });
    const first = manager.socket("/");
    await within(new Promise((resolve) => first.once("state", resolve)), "the first state");
    const refused = new Promise<Error>((resolve) => first.once("connect_error", resolve));
    manager.engine.write("1"); // socket.io's DISCONNECT from "/" (the client's socket does not know)…
    await waitFor(async () => (await getJson(`${server.url}/api/state`)).body.presence.panels === 0, "the server to let the socket go");
    manager.engine.write("0"); // …and CONNECT again: its request is gone, so is what it said
    expect((await within(refused, "the refusal")).message).toBe("this connection was admitted once already: open a new one");
    manager.engine.close();
  });
});
