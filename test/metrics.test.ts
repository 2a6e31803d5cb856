// GET /metrics and /readyz against running servers: what took effect is counted, per server;
// gauges are read at scrape time; readiness names each telegraph's links, and turns to 503 the
// moment close() starts.
import { writeFileSync } from "node:fs";
import { connect as tcp } from "node:net";
import { once } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { getJson, postJson } from "./support/http";
import { connect, stateWhere } from "./support/panels";
import { tempDir } from "./support/files";
import { type TestServer, startServer, withFiles } from "./support/server";
import { tracker } from "./support/track";
import { waitFor, within } from "./support/wait";

const track = tracker();
afterEach(() => track.cleanup());

/** The scrape as series → value, e.g. `chadburn_orders_total{position="7",source="telegraph",telegraph="default"}` → 1. */
async function scrape(server: TestServer): Promise<Map<string, number>> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const series = new Map<string, number>();
  for (const line of text.split("\n")) {
    const found = /^(\S+) (\S+)$/.exec(line);
    if (found && !line.startsWith("#")) series.set(found[1], Number(found[2]));
  }
  return series;
}

/** A raw HTTP/1.1 response's body, chunked or not (one chunk: ours are small). */
function bodyOf(response: string): string {
  const split = response.indexOf("\r\n\r\n");
  const [head, body] = [response.slice(0, split), response.slice(split + 4)];
  if (!/^transfer-encoding: chunked\r?$/im.test(head)) return body;
  return /^[0-9a-f]+\r\n(.*)\r\n0\r\n\r\n$/s.exec(body)?.[1] ?? body;
}

/** Polls /metrics until `series` has `value`: for what the server learns on its own time (a disconnect). */
const metricIs = (server: TestServer, series: string, value: number) =>
  waitFor(async () => (await scrape(server)).get(series) === value, `${series} ${value}`);

describe("GET /metrics", () => {
  it("Prometheus text: the process's standard metrics and ours; --metrics-public opens it even with --anonymous none", async () => {
    const server = track.server(await startServer({ anonymous: "none", metricsPublic: true }));
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await res.text();
    for (const name of ["process_cpu_seconds_total", "nodejs_eventloop_lag_seconds", "nodejs_eventloop_lag_p99_seconds"]) {
      expect(text).toMatch(new RegExp(`^${name} `, "m"));
    }
    expect(text).toMatch(/^# TYPE chadburn_broadcast_duration_seconds histogram$/m);
    expect(text).toMatch(/^chadburn_acknowledge_seconds_count\{telegraph="default"\} 0$/m);
    expect(text).toContain('chadburn_telegraph_link_up{link="status-file",telegraph="default"} 1');
  });

  it("counts orders and answers that took effect, by position and source, and times the acknowledgement", async () => {
    const server = track.server(await startServer());
    const { client } = track.client(await connect(server.url));
    writeFileSync(server.statusFile, "7\n");
    await within(
      stateWhere(client, (s) => s.order?.position === 7),
      "the telegraph's order",
    );
    expect((await postJson(`${server.url}/api/order`, { position: "slow" })).status).toBe(200);
    expect((await postJson(`${server.url}/api/order`, { position: 3 })).status).toBe(200); // the same order: no effect
    expect(await within(client.emitWithAck("answer", { position: 5 }), "the wrong answer")).toEqual({ ok: true });
    expect(await within(client.emitWithAck("answer", { position: 3 }), "the acknowledging answer")).toEqual({ ok: true });
    expect(await within(client.emitWithAck("answer", { position: 3 }), "the same answer again")).toEqual({ ok: true }); // no effect
    expect((await postJson(`${server.url}/api/answer`, { position: 42 })).status).toBe(400);

    const m = await scrape(server);
    expect(m.get('chadburn_orders_total{position="7",source="telegraph",telegraph="default"}')).toBe(1);
    expect(m.get('chadburn_orders_total{position="3",source="api",telegraph="default"}')).toBe(1);
    expect(m.get('chadburn_answers_total{position="5",source="panel",telegraph="default"}')).toBe(1);
    expect(m.get('chadburn_answers_total{position="3",source="panel",telegraph="default"}')).toBe(1);
    expect([...m.keys()].filter((k) => /^chadburn_(orders|answers)_total\{/.test(k))).toHaveLength(4);
    expect(m.get('chadburn_acknowledge_seconds_count{telegraph="default"}')).toBe(1);
    expect(m.get('chadburn_acknowledge_seconds_bucket{le="60",telegraph="default"}')).toBe(1);

    // A wrong answer, then the right one again: the order was acknowledged already, not twice.
    await postJson(`${server.url}/api/answer`, { position: 5 });
    await postJson(`${server.url}/api/answer`, { position: 3 });
    const again = await scrape(server);
    expect(again.get('chadburn_answers_total{position="3",source="api",telegraph="default"}')).toBe(1);
    expect(again.get('chadburn_acknowledge_seconds_count{telegraph="default"}')).toBe(1);
  });

  it("panels_connected is socket.io's count now; a broadcast is timed once, however many panels", async () => {
    const server = track.server(await startServer());
    const panels = [];
    for (let i = 0; i < 3; i++) panels.push(track.client(await connect(server.url)).client);
    const before = await scrape(server);
    expect(before.get("chadburn_panels_connected")).toBe(3);

    await postJson(`${server.url}/api/order`, { position: 7 });
    const after = await scrape(server);
    expect(after.get("chadburn_broadcast_duration_seconds_count")).toBe(before.get("chadburn_broadcast_duration_seconds_count")! + 1);

    panels[0].close();
    await metricIs(server, "chadburn_panels_connected", 2);
  });

  it("two servers in one process count apart", async () => {
    const a = track.server(await startServer());
    const b = track.server(await startServer());
    track.client(await connect(a.url));
    await postJson(`${a.url}/api/order`, { position: 7 });
    const [ma, mb] = [await scrape(a), await scrape(b)];
    expect(ma.get('chadburn_orders_total{position="7",source="api",telegraph="default"}')).toBe(1);
    expect(mb.get('chadburn_orders_total{position="7",source="api",telegraph="default"}')).toBeUndefined();
    expect([ma.get("chadburn_panels_connected"), mb.get("chadburn_panels_connected")]).toEqual([1, 0]);
  });

  it("link_up: 0 while the status file is unreadable, 1 again once it reads", async () => {
    const server = track.server(await startServer());
    writeFileSync(server.statusFile, "full astern\n");
    await metricIs(server, 'chadburn_telegraph_link_up{link="status-file",telegraph="default"}', 0);
    writeFileSync(server.statusFile, "7\n");
    await metricIs(server, 'chadburn_telegraph_link_up{link="status-file",telegraph="default"}', 1);
  });
});

describe("several telegraphs", () => {
  it("/healthz is degraded when one telegraph's link is, and says which; the default's fields stay on top; link_up per telegraph", async () => {
    const dir = track.dir(await tempDir());
    const [lab, workshop] = [withFiles(dir, "lab", "Lab"), withFiles(dir, "workshop", "Workshop")];
    const server = track.server(await startServer({ dir, telegraphs: [lab, workshop], defaultTelegraph: "lab" }));
    writeFileSync(workshop.statusFile!, "full astern\n");
    const health = await waitFor(async () => {
      const { body } = await getJson(`${server.url}/healthz`);
      return body.status === "degraded" ? body : undefined;
    }, "/healthz to say the workshop's status file is unreadable");
    const watching = (file: string) => [{ link: "status-file", at: file, state: "watching" }];
    expect(health).toEqual({
      status: "degraded",
      reasons: [expect.stringMatching(/^workshop: status file unreadable since \S+: /)],
      // As with one telegraph: the default's.
      telegraph: { link: "status-file", connected: true, since: expect.any(String) },
      links: watching(lab.statusFile!),
      telegraphs: [
        { slug: "lab", status: "ok", telegraph: health.telegraph, links: watching(lab.statusFile!) },
        {
          slug: "workshop",
          status: "degraded",
          reasons: [health.reasons[0].replace(/^workshop: /, "")],
          telegraph: expect.objectContaining({ link: "status-file" }),
          links: [expect.objectContaining({ link: "status-file", at: workshop.statusFile, state: "error" })],
        },
      ],
    });
    const m = await scrape(server);
    expect(m.get('chadburn_telegraph_link_up{link="status-file",telegraph="lab"}')).toBe(1);
    expect(m.get('chadburn_telegraph_link_up{link="status-file",telegraph="workshop"}')).toBe(0);

    writeFileSync(workshop.statusFile!, "7\n");
    await metricIs(server, 'chadburn_telegraph_link_up{link="status-file",telegraph="workshop"}', 1);
    expect((await getJson(`${server.url}/healthz`)).body).toMatchObject({ status: "ok", telegraphs: [{ status: "ok" }, { status: "ok" }] });
    // Orders and acknowledgements are counted per telegraph too.
    expect((await postJson(`${server.url}/api/telegraphs/lab/order`, { position: 3 })).status).toBe(200);
    expect((await postJson(`${server.url}/api/telegraphs/lab/answer`, { position: 3 })).status).toBe(200);
    const counted = await scrape(server);
    expect(counted.get('chadburn_orders_total{position="7",source="telegraph",telegraph="workshop"}')).toBe(1);
    expect(counted.get('chadburn_orders_total{position="3",source="api",telegraph="lab"}')).toBe(1);
    expect(counted.get('chadburn_acknowledge_seconds_count{telegraph="lab"}')).toBe(1);
    expect(counted.get('chadburn_acknowledge_seconds_count{telegraph="workshop"}')).toBe(0);
  });
});

describe("GET /readyz", () => {
  it("200 once started; a serial telegraph that is not there is reported, and does not make it not ready", async () => {
    const server = track.server(await startServer({ serial: "/nonexistent/chadburn-tty" }));
    const res = await getJson(`${server.url}/readyz`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: "ready",
      panel: "none",
      links: [
        { link: "status-file", at: server.statusFile, state: "watching" },
        { link: "serial", state: "disconnected", at: "/nonexistent/chadburn-tty", error: expect.any(String) },
      ],
    });
    expect((await scrape(server)).get('chadburn_telegraph_link_up{link="serial",telegraph="default"}')).toBe(0);
  });

  it("with several telegraphs, names each one's links; to a caller who may not see the panel, without the folders", async () => {
    const dir = track.dir(await tempDir());
    const telegraphs = [withFiles(dir, "lab", "Lab"), withFiles(dir, "workshop", "Workshop")];
    const server = track.server(await startServer({ dir, anonymous: "none", telegraphs, defaultTelegraph: "lab" }));
    const res = await getJson(`${server.url}/readyz`);
    expect(res.status).toBe(200);
    const watching = [{ link: "status-file", at: "status.eot", state: "watching" }];
    expect(res.body).toEqual({
      status: "ready",
      panel: "none",
      links: watching,
      telegraphs: [
        { slug: "lab", links: watching },
        { slug: "workshop", links: watching },
      ],
    });
    expect(JSON.stringify(res.body)).not.toContain(dir);
  });

  it("503 closing once close() has started, while /healthz would still say ok", async () => {
    const server = track.server(await startServer());
    // A request begun before close() is not idle, so close() lets it finish; its handler runs
    // once the headers end, after close() has started. A new connection might be refused by then.
    const socket = tcp(Number(new URL(server.url).port), "127.0.0.1");
    await once(socket, "connect");
    socket.write("GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    // Answered after the server has read the line above, which reached it first.
    expect((await getJson(`${server.url}/healthz`)).status).toBe(200);
    const closing = server.stop();
    let response = "";
    socket.on("data", (chunk) => (response += chunk));
    const ended = once(socket, "end");
    socket.write("Connection: close\r\n\r\n");
    await within(ended, "the answer to /readyz");
    await closing;
    expect(response).toMatch(/^HTTP\/1\.1 503 /);
    expect(JSON.parse(bodyOf(response))).toMatchObject({ status: "closing", panel: "none" });
  });
});
