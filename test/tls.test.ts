// HTTPS and WSS on the server's one port, with a throwaway self-signed certificate (openssl).
import { X509Certificate } from "node:crypto";
import { writeFile } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import type { TLSSocket } from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_FACE } from "../lib/face";
import { connect, expectNext } from "./support/panels";
import { throwawayCertificate } from "./support/secrets";
import { startServer } from "./support/server";
import { tracker } from "./support/track";
import { within } from "./support/wait";

const track = tracker();
afterEach(() => track.cleanup());

const throwaway = throwawayCertificate();

type Outcome = { status: number; body: string; certificate?: string; cookie?: string } | { error: string };

/** One request on a connection of its own (no keep-alive pool); resolves with the answer or the connection's error. */
function request(url: string, options: https.RequestOptions = {}, body?: unknown): Promise<Outcome> {
  const client = url.startsWith("https:") ? https : http;
  const headers = body === undefined ? options.headers : { ...options.headers, "content-type": "application/json" };
  return within(
    new Promise<Outcome>((resolve) => {
      client
        .request(url, { ...options, headers, agent: false }, (res) => {
          const socket = res.socket as TLSSocket;
          const certificate = socket.encrypted ? socket.getPeerCertificate().fingerprint256 : undefined;
          let text = "";
          res.setEncoding("utf8").on("data", (chunk) => (text += chunk));
          res.on("end", () => resolve({ status: res.statusCode!, body: text, certificate, cookie: res.headers["set-cookie"]?.[0] }));
        })
        .on("error", (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }))
        .end(body === undefined ? undefined : JSON.stringify(body));
    }),
    `${options.method ?? "GET"} ${url}`,
  );
}
const get = (url: string, options: https.RequestOptions = {}) => request(url, options);

describe("--tls-cert and --tls-key", () => {
  it("serves HTTPS with the certificate given: /healthz answers 200 to a client that trusts it", async () => {
    const server = track.server(await startServer({ tls: throwaway.tls }));
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const res = await get(`${server.url}/healthz`, { ca: throwaway.ca });
    expect(res).toMatchObject({ status: 200, certificate: new X509Certificate(throwaway.tls.cert).fingerprint256 });
    // Without it as a CA the certificate is just self-signed: proof the connection really is TLS.
    expect(await get(`${server.url}/healthz`)).toEqual({ error: "DEPTH_ZERO_SELF_SIGNED_CERT" });
  });

  it("a socket.io client connects over wss, gets the snapshot and the next order", async () => {
    const server = track.server(await startServer({ tls: throwaway.tls }));
    const { client, first } = track.client(await connect(server.url, { ca: throwaway.ca }));
    expect(client.io.engine.transport.name).toBe("websocket");
    expect(first).toMatchObject({ order: null, face: DEFAULT_FACE });
    const next = await expectNext(client, () => writeFile(server.statusFile, "7\n"));
    expect(next.order).toMatchObject({ position: 7, seq: 1, source: "telegraph" });
  });

  it("plain http:// to the TLS port gets no answer of ours", async () => {
    const server = track.server(await startServer({ tls: throwaway.tls }));
    const outcome = await get(server.url.replace(/^https:/, "http:") + "/healthz");
    expect(outcome).not.toHaveProperty("status", 200);
    expect(outcome).toEqual({ error: "ECONNRESET" }); // node's TLS server drops a connection that does not speak TLS
  });

  it("the page's own https:// origin may post; the same host over http:// may not; the session cookie is Secure", async () => {
    const server = track.server(await startServer({ tls: throwaway.tls }));
    const post = (route: string, origin: string, body: unknown) =>
      request(`${server.url}${route}`, { method: "POST", ca: throwaway.ca, headers: { origin } }, body);
    expect(await post("/api/order", server.url, { position: 7 })).toMatchObject({ status: 200 });
    expect(await post("/api/order", server.url.replace(/^https:/, "http:"), { position: 8 })).toMatchObject({ status: 403 });

    const line = server.logs.find((l) => l.includes("/welcome#"))!;
    expect(line).toContain(`${server.url}/welcome#signin_`);
    const signedIn = await post("/api/session", server.url, { code: line.slice(line.indexOf("#") + 1), password: "correct horse battery" });
    expect(signedIn).toMatchObject({ status: 200, cookie: expect.stringMatching(/; HttpOnly; Secure; SameSite=Lax$/) });
  });
});
