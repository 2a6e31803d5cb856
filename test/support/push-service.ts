// A push service on loopback: the receive side of Web Push (RFC 8030), as FCM or Mozilla's
// autopush run it, for the server to push to. It checks each push as a browser's push service and
// the browser would: the VAPID JWT (RFC 8292) signed by the key it names and meant for this
// origin, then decrypts the body (aes128gcm, RFC 8291) with the subscription's own private key and
// auth secret, as the browser does, and keeps the payload.
import { type ECDH, createECDH, createPublicKey, randomBytes, verify } from "node:crypto";
import { EventEmitter, once } from "node:events";
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { createRequire } from "node:module";

const ece = createRequire(import.meta.url)("http_ece") as {
  decrypt(buffer: Buffer, params: { version: "aes128gcm"; privateKey: ECDH; authSecret: Buffer }): Buffer;
};

/** How a subscription's push service answers: a status, or never (a hung service). */
export type Behaviour = number | "hang" | ((n: number) => number | "hang");

export interface Received {
  /** The decrypted body, parsed. */
  payload: any;
  headers: IncomingMessage["headers"];
  /** The VAPID key the push was signed with (the `k` of its Authorization). */
  key: string;
  /** The JWT's claims. */
  claims: { aud: string; exp: number; sub: string };
}

export interface TestSubscription {
  /** As a browser's PushSubscription.toJSON() gives it, for POST /api/push/subscriptions. */
  json: { endpoint: string; expirationTime: null; keys: { p256dh: string; auth: string } };
  /** Pushes that arrived and were answered with a success, in order. */
  received: Received[];
  /** Every request that came in, whatever the answer (a hung one included). */
  requests: number;
  behaviour: Behaviour;
  /** Resolves once `n` requests have come in (answered or not). */
  requested(n?: number): Promise<void>;
  /** Resolves with the `n`th push received (1 = the first). */
  push(n?: number): Promise<Received>;
}

const b64 = (buffer: Buffer) => buffer.toString("base64url");

/** Checks an ES256 JWT against an uncompressed P-256 public key; returns its claims or throws why not. */
function checkJwt(jwt: string, key: Buffer): Received["claims"] {
  const [header, claims, signature] = jwt.split(".");
  if (!signature) throw new Error("not a JWT");
  const alg = JSON.parse(Buffer.from(header, "base64url").toString()).alg;
  if (alg !== "ES256") throw new Error(`alg ${alg}, not ES256`);
  if (key.length !== 65 || key[0] !== 4) throw new Error("k is not an uncompressed P-256 point");
  const publicKey = createPublicKey({ key: { kty: "EC", crv: "P-256", x: b64(key.subarray(1, 33)), y: b64(key.subarray(33)) }, format: "jwk" });
  const ok = verify("sha256", Buffer.from(`${header}.${claims}`), { key: publicKey, dsaEncoding: "ieee-p1363" }, Buffer.from(signature, "base64url"));
  if (!ok) throw new Error("the JWT's signature does not match k");
  return JSON.parse(Buffer.from(claims, "base64url").toString());
}

export class PushService {
  private readonly server = createServer((req, res) => void this.handle(req, res));
  private readonly sockets = new Set<Socket>();
  private readonly subscriptions = new Map<string, TestSubscription & { ecdh: ECDH; auth: Buffer }>();
  private readonly events = new EventEmitter();
  origin = "";
  /** Requests being handled now, and the most there were at once. */
  inFlight = 0;
  peak = 0;
  /** Requests this service refused as malformed, with why. */
  readonly refused: string[] = [];
  private latencyMs = 0;

  /** `latencyMs`: each answer waits this long, as a push service across the internet does. */
  static async start({ latencyMs = 0 } = {}): Promise<PushService> {
    const service = new PushService();
    service.latencyMs = latencyMs;
    service.events.setMaxListeners(0);
    service.server.on("connection", (socket) => {
      service.sockets.add(socket);
      socket.on("close", () => service.sockets.delete(socket));
    });
    service.server.listen(0, "127.0.0.1");
    await once(service.server, "listening");
    service.origin = `http://127.0.0.1:${(service.server.address() as AddressInfo).port}`;
    return service;
  }

  /** A new browser's subscription here: its own P-256 key pair and auth secret. */
  subscribe(behaviour: Behaviour = 201): TestSubscription {
    const ecdh = createECDH("prime256v1");
    ecdh.generateKeys();
    const auth = randomBytes(16);
    const id = randomBytes(12).toString("hex");
    const events = this.events;
    const subscription: TestSubscription & { ecdh: ECDH; auth: Buffer } = {
      json: { endpoint: `${this.origin}/push/${id}`, expirationTime: null, keys: { p256dh: b64(ecdh.getPublicKey()), auth: b64(auth) } },
      received: [],
      requests: 0,
      behaviour,
      ecdh,
      auth,
      requested(n = 1) {
        return subscription.requests >= n
          ? Promise.resolve()
          : new Promise((resolve) => {
              const check = () => subscription.requests >= n && (events.off(`request ${id}`, check), resolve());
              events.on(`request ${id}`, check);
            });
      },
      push(n = 1) {
        return subscription.received.length >= n
          ? Promise.resolve(subscription.received[n - 1])
          : new Promise((resolve) => {
              const check = () => subscription.received.length >= n && (events.off(`push ${id}`, check), resolve(subscription.received[n - 1]));
              events.on(`push ${id}`, check);
            });
      },
    };
    this.subscriptions.set(id, subscription);
    return subscription;
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    this.inFlight++;
    this.peak = Math.max(this.peak, this.inFlight);
    res.on("close", () => this.inFlight--);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    if (this.latencyMs) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    const id = /^\/push\/([0-9a-f]+)$/.exec(req.url ?? "")?.[1];
    const subscription = id && this.subscriptions.get(id);
    if (req.method !== "POST" || !subscription) return void res.writeHead(404).end();
    subscription.requests++;
    this.events.emit(`request ${id}`);
    const behaviour = typeof subscription.behaviour === "function" ? subscription.behaviour(subscription.requests) : subscription.behaviour;
    if (behaviour === "hang") return; // never answers; the socket stays open until closed
    if (behaviour < 200 || behaviour > 299)
      return void res.writeHead(behaviour, { "content-type": "text/plain" }).end(`test push service: ${behaviour}`);
    let received: Received;
    try {
      received = this.check(req, body, subscription);
    } catch (error) {
      this.refused.push((error as Error).message);
      return void res.writeHead(400, { "content-type": "text/plain" }).end((error as Error).message);
    }
    subscription.received.push(received);
    res.writeHead(behaviour, { location: `${this.origin}/message/${randomBytes(8).toString("hex")}` }).end();
    this.events.emit(`push ${id}`);
  }

  /** What a real push service checks, then what the browser does: throws why a push is not one. */
  private check(req: IncomingMessage, body: Buffer, subscription: { ecdh: ECDH; auth: Buffer }): Received {
    const { headers } = req;
    if (headers["content-encoding"] !== "aes128gcm") throw new Error(`Content-Encoding ${headers["content-encoding"]}, not aes128gcm`);
    if (!/^\d+$/.test(String(headers.ttl))) throw new Error(`TTL ${headers.ttl}`);
    const vapid = /^vapid t=([^,\s]+), *k=([A-Za-z0-9_-]+)$/.exec(headers.authorization ?? "");
    if (!vapid) throw new Error(`Authorization ${headers.authorization}, not vapid t=…, k=…`);
    const claims = checkJwt(vapid[1], Buffer.from(vapid[2], "base64url"));
    if (claims.aud !== this.origin) throw new Error(`JWT aud ${claims.aud}, not ${this.origin}`);
    const now = Date.now() / 1000;
    if (!(claims.exp > now && claims.exp <= now + 24 * 3600)) throw new Error(`JWT exp ${claims.exp} not within 24 hours`);
    if (!/^(mailto:|https:)/.test(claims.sub)) throw new Error(`JWT sub ${claims.sub}`);
    const plain = ece.decrypt(body, { version: "aes128gcm", privateKey: subscription.ecdh, authSecret: subscription.auth });
    return { payload: JSON.parse(plain.toString("utf8")), headers, key: vapid[2], claims };
  }

  /** Closes the service, hung requests included. */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.server.close();
    await once(this.server, "close");
  }
}
