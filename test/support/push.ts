// Web Push tests: a server that pushes, to push services of the test's own on loopback.
import { expect } from "vitest";
import type { PushSettings } from "../../server/push/send";
import { postJson } from "./http";
import { PushService, type TestSubscription } from "./push-service";
import { type ServerOptions, type TestServer, startServer } from "./server";
import type { Tracker } from "./track";

/** Servers and push services made during a test; `cleanup()` in afterEach stops them all. */
export function pushRig(track: Tracker) {
  let services: PushService[] = [];
  return {
    /** A server with these push settings (and `options`), and a push service that answers after `latencyMs`. */
    async setup(push: PushSettings, options: ServerOptions = {}, latencyMs = 0) {
      const server = track.server(await startServer({ push, ...options }));
      const service = await PushService.start({ latencyMs });
      services.push(service);
      return { server, service };
    },
    async cleanup(): Promise<void> {
      await track.cleanup();
      await Promise.all(services.map((s) => s.close()));
      services = [];
    },
  };
}

/** POST /api/push/subscriptions as a browser that subscribed does (sending `headers` too), expecting 201. */
export async function subscribe(
  server: Pick<TestServer, "url">,
  subscription: TestSubscription,
  headers: Record<string, string> = {},
): Promise<TestSubscription> {
  const res = await postJson(`${server.url}/api/push/subscriptions`, subscription.json, headers);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return subscription;
}
