// Several telegraphs on one server (issue 16), against a real server on loopback: each telegraph's
// orders, answers, presence and receipts reach its own panels, files and API only; an unknown slug
// is refused on the socket and a 404 over HTTP; an existing data folder upgrades with its memory.
import { readFile, writeFile } from "node:fs/promises";
import { io } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_FACE } from "../lib/face";
import type { Presence, Receipts, Snapshot } from "../lib/protocol";
import type { TelegraphSpec } from "../server/config-telegraphs";
import { tempDir } from "./support/files";
import { getJson, postJson } from "./support/http";
import { type Client, connect, nextState, refusedConnection, stateWhere } from "./support/panels";
import { startServer, withFiles } from "./support/server";
import { tracker } from "./support/track";
import { waitFor, within } from "./support/wait";

const track = tracker();
afterEach(() => track.cleanup());

/** Two telegraphs with their own files, "lab" the default. */
async function labAndWorkshop() {
  const dir = track.dir(await tempDir());
  const lab = withFiles(dir, "lab", "Lab");
  const workshop = withFiles(dir, "workshop", "Workshop");
  const server = track.server(await startServer({ dir, telegraphs: [lab, workshop], defaultTelegraph: "lab" }));
  return { server, lab, workshop };
}

interface Heard {
  event: string;
  payload: unknown;
}

/** A panel following `telegraph` (the default when undefined), every event it receives kept from its first, named by its hello. */
async function panelOn(url: string, telegraph: string | undefined, name: string): Promise<{ client: Client; heard: Heard[]; name: string }> {
  const client: Client = io(url, { transports: ["websocket"], reconnection: false, forceNew: true, ...(telegraph && { auth: { telegraph } }) });
  track.client({ client });
  const heard: Heard[] = [];
  client.onAny((event: string, payload: unknown) => heard.push({ event, payload }));
  await within(nextState(client), `${name}'s first state`);
  expect(await client.emitWithAck("hello", { panel: `panel-${name.toLowerCase()}-0001`, name })).toEqual({ ok: true });
  return { client, heard, name };
}

/** What `event` said (a receipts' count: alone, or within a presence), heard already or from now on, that passes the test. */
function heardWhere<T>(panel: { client: Client; heard: Heard[] }, event: "presence" | "receipts", test: (p: T) => boolean): Promise<T> {
  const of = (h: Heard): T | undefined =>
    h.event === event ? (h.payload as T) : event === "receipts" && h.event === "presence" ? ((h.payload as Presence).receipts as T) : undefined;
  const already = panel.heard.map(of).find((p) => p !== undefined && test(p));
  if (already !== undefined) return Promise.resolve(already);
  return within(
    new Promise((resolve) => {
      const check = (event: string, payload: unknown) => {
        const p = of({ event, payload });
        if (p === undefined || !test(p)) return;
        panel.client.offAny(check);
        resolve(p);
      };
      panel.client.onAny(check);
    }),
    `a ${event} that matches on a panel`,
  );
}

const orderOf = (s: Snapshot) => s.order?.position;

describe("several telegraphs", () => {
  it("no order, answer, presence or receipt of one telegraph ever reaches the other's panels, files or API", async () => {
    const { server, lab, workshop } = await labAndWorkshop();
    // The default's panels name no telegraph (as every panel from before) or name it; the workshop's name theirs.
    const labs = [await panelOn(server.url, undefined, "Ann"), await panelOn(server.url, "lab", "Amy")];
    const shops = [await panelOn(server.url, "workshop", "Wes"), await panelOn(server.url, "workshop", "Will")];
    const names = (p: Presence) => p.people.map((person) => person.name).sort();
    await heardWhere<Presence>(labs[0], "presence", (p) => p.panels === 2 && names(p).join() === "Amy,Ann");
    await heardWhere<Presence>(shops[0], "presence", (p) => p.panels === 2 && names(p).join() === "Wes,Will");

    // An order on each, the lab's from a panel, the workshop's from its status file; then an answer on each.
    const labOrdered = Promise.all(labs.map((p) => stateWhere(p.client, (s) => orderOf(s) === 3)));
    expect(await labs[0].client.emitWithAck("order", { position: 3, by: "Ann" })).toEqual({ ok: true });
    const shopOrdered = Promise.all(shops.map((p) => stateWhere(p.client, (s) => orderOf(s) === 8)));
    await writeFile(workshop.statusFile!, "8\n");
    await within(Promise.all([labOrdered, shopOrdered]), "each telegraph's order on its panels");
    const labAnswered = Promise.all(labs.map((p) => stateWhere(p.client, (s) => s.acknowledged && s.answer?.position === 3)));
    const shopAnswered = Promise.all(shops.map((p) => stateWhere(p.client, (s) => s.acknowledged && s.answer?.position === 8)));
    expect(await labs[1].client.emitWithAck("answer", { position: 3, by: "Amy" })).toEqual({ ok: true });
    expect((await postJson(`${server.url}/api/telegraphs/workshop/answer`, { position: 8, by: "Wes" })).status).toBe(200);
    await within(Promise.all([labAnswered, shopAnswered]), "each telegraph's answer on its panels");

    // Receipts: the lab's panels were muted, the workshop's rang; each telegraph counts its own.
    for (const p of labs) expect(await p.client.emitWithAck("receipt", { seq: 1, heard: "muted" })).toEqual({ ok: true });
    for (const p of shops) expect(await p.client.emitWithAck("receipt", { seq: 1, heard: "rang" })).toEqual({ ok: true });
    const counted = (p: Receipts | null) => p?.delivered === 2;
    await Promise.all([
      ...labs.map((p) => heardWhere<Receipts | null>(p, "receipts", counted)),
      ...shops.map((p) => heardWhere<Receipts | null>(p, "receipts", counted)),
    ]);
    // Whatever the server wrote to a panel before its answer to this has arrived.
    for (const p of [...labs, ...shops]) expect(await p.client.emitWithAck("snapshot", {})).toEqual({ ok: true });

    // Everything each panel received is its own telegraph's.
    const check = (panels: typeof labs, own: { order: number; names: string[]; heard: "rang" | "muted" }, other: string[]) => {
      for (const { heard, name } of panels) {
        for (const { event, payload } of heard) {
          const p = payload as Partial<Snapshot & Presence & Receipts>;
          if (event === "state" || event === "change") {
            expect([undefined, own.order], `${name}: ${event}`).toContain(p.order?.position);
            expect([undefined, own.order], `${name}: ${event}`).toContain(p.answer?.position);
          }
          if (event === "presence") {
            expect(p.panels, `${name}: presence`).toBeLessThanOrEqual(2);
            for (const person of p.people ?? []) expect(own.names, `${name}: presence`).toContain(person.name);
          }
          const receipts = event === "receipts" ? (payload as Receipts | null) : event === "presence" ? p.receipts : undefined;
          if (receipts) {
            expect(receipts.seq, `${name}: ${event}`).toBe(1);
            expect(receipts.delivered, `${name}: ${event}`).toBeLessThanOrEqual(2);
            expect(receipts[own.heard === "rang" ? "muted" : "rang"], `${name}: ${event}`).toBe(0);
          }
        }
        const text = JSON.stringify(heard);
        for (const stranger of other) expect(text, `${name} heard of ${stranger}`).not.toContain(stranger);
      }
    };
    check(labs, { order: 3, names: ["Ann", "Amy"], heard: "muted" }, ["Wes", "Will"]);
    check(shops, { order: 8, names: ["Wes", "Will"], heard: "rang" }, ["Ann", "Amy"]);

    // Each telegraph's files hold its own order and answer.
    const file = (f: string | undefined) => readFile(f!, "utf8").then((text) => text.trim());
    await waitFor(async () => (await file(lab.acceptFile)) === "3" && (await file(workshop.acceptFile)) === "8", "each accept file");
    expect(await file(lab.statusFile)).toBe("3");
    expect(await file(workshop.statusFile)).toBe("8");

    // And the API: today's routes are the default's; each telegraph's under its slug.
    const state = async (route: string) => (await getJson(`${server.url}${route}`)).body;
    expect(await state("/api/state")).toMatchObject({ order: { position: 3, seq: 1 }, answer: { position: 3 }, presence: { panels: 2 } });
    expect(await state("/api/telegraphs/lab/state")).toMatchObject({ order: { position: 3 }, presence: { panels: 2 } });
    const shop = await state("/api/telegraphs/workshop/state");
    expect(shop).toMatchObject({ order: { position: 8, seq: 1 }, answer: { position: 8, by: "Wes" }, presence: { panels: 2 } });
    expect(shop.presence.people.map((p: { name: string }) => p.name).sort()).toEqual(["Wes", "Will"]);
    expect(await state("/api/telegraphs")).toEqual({
      telegraphs: [
        { slug: "lab", title: "Lab" },
        { slug: "workshop", title: "Workshop" },
      ],
      default: "lab",
    });
  });

  it("an order for everyone counts the listeners of its own telegraph only", async () => {
    const dir = track.dir(await tempDir());
    const face = [...DEFAULT_FACE.filter((p) => p.position !== 1), { position: 1, name: "all", label: "ALL HANDS", quorum: "everyone" as const }];
    const soft = (slug: string): TelegraphSpec => ({ slug, title: slug, face, baud: 9600 });
    const server = track.server(await startServer({ dir, telegraphs: [soft("lab"), soft("workshop")], defaultTelegraph: "lab" }));
    for (const name of ["Ann", "Amy"]) await panelOn(server.url, "lab", name);
    for (const name of ["Wes", "Will", "Walt"]) await panelOn(server.url, "workshop", name);
    for (const [slug, listening] of [
      ["lab", 2],
      ["workshop", 3],
    ] as const) {
      const { body } = await postJson(`${server.url}/api/telegraphs/${slug}/order`, { position: "all" });
      expect(body.order, slug).toMatchObject({ label: "ALL HANDS", required: listening });
    }
  });

  it("an unknown slug is a refused socket and a 404, and changes nothing", async () => {
    const { server } = await labAndWorkshop();
    for (const telegraph of ["nope", "Workshop", 5, { slug: "lab" }]) {
      const refused = await refusedConnection(server.url, { auth: { telegraph } });
      expect(refused.message, JSON.stringify(telegraph)).toMatch(/^no telegraph ".*" on this server$/);
    }
    for (const [method, route] of [
      ["GET", "/api/telegraphs/nope/state"],
      ["POST", "/api/telegraphs/nope/order"],
      ["POST", "/api/telegraphs/nope/answer"],
    ]) {
      const init = method === "POST" ? { method, headers: { "content-type": "application/json" }, body: '{"position":3}' } : {};
      const { status, body } = await getJson(`${server.url}${route}`, init);
      expect({ status, body }, route).toEqual({ status: 404, body: { error: 'no telegraph "nope" on this server' } });
    }
    for (const slug of ["lab", "workshop"]) expect((await getJson(`${server.url}/api/telegraphs/${slug}/state`)).body.order).toBeNull();
  });

  it("with no default, a panel must name its telegraph and /api/state is a 404; a soft telegraph has no link", async () => {
    const dir = track.dir(await tempDir());
    const kitchen: TelegraphSpec = { slug: "kitchen", title: "Kitchen", face: DEFAULT_FACE, baud: 9600 };
    const telegraphs = [withFiles(dir, "lab", "Lab"), kitchen];
    const server = track.server(await startServer({ dir, telegraphs, defaultTelegraph: null }));
    expect((await refusedConnection(server.url)).message).toMatch(/no default telegraph: name one in the handshake/);
    expect(await getJson(`${server.url}/api/state`)).toMatchObject({ status: 404, body: { error: expect.stringMatching(/no default telegraph/) } });
    expect((await postJson(`${server.url}/api/order`, { position: 3 })).status).toBe(404);
    expect((await getJson(`${server.url}/api/telegraphs`)).body.default).toBeNull();

    const { client, first } = track.client(await connect(server.url, { auth: { telegraph: "kitchen" } }));
    expect(first).toMatchObject({ telegraph: { link: "none", connected: true }, links: [], order: null });
    const ordered = stateWhere(client, (s) => s.order?.label === "COFFEE");
    expect((await postJson(`${server.url}/api/telegraphs/kitchen/order`, { position: "coffee" })).status).toBe(200);
    expect((await within(ordered, "the kitchen's order")).order).toMatchObject({ seq: 1, source: "api" });
    expect((await getJson(`${server.url}/api/telegraphs/lab/state`)).body.order).toBeNull();
  });

  it("someone who may not see is refused as before, whatever slug they name: a stranger learns no slug", async () => {
    const dir = track.dir(await tempDir());
    const server = track.server(await startServer({ dir, anonymous: "none", telegraphs: [withFiles(dir, "lab", "Lab")], defaultTelegraph: "lab" }));
    for (const telegraph of ["lab", "nope"]) {
      expect((await refusedConnection(server.url, { auth: { telegraph } })).message).toMatch(/sign in/);
      expect((await getJson(`${server.url}/api/telegraphs/${telegraph}/state`)).status).toBe(401);
    }
    expect((await getJson(`${server.url}/api/telegraphs`)).status).toBe(401);
  });

  it("upgrading: the memory of a single-telegraph data folder becomes the declared default's, its history and seq kept", async () => {
    const dir = track.dir(await tempDir());
    const before = await startServer({ dir });
    await postJson(`${before.url}/api/order`, { position: 3 });
    await postJson(`${before.url}/api/order`, { position: 5 });
    await before.stop();
    // The same files, now declared as "lab", the default, beside a new "workshop".
    const lab = { ...withFiles(dir, "lab", "Lab"), statusFile: before.statusFile, acceptFile: before.acceptFile };
    const server = track.server(await startServer({ dir, telegraphs: [lab, withFiles(dir, "workshop", "Workshop")], defaultTelegraph: "lab" }));
    const { body } = await getJson(`${server.url}/api/telegraphs/lab/state`);
    expect(body.order).toMatchObject({ position: 5, seq: 2 });
    expect(body.history.map((p: { order: { seq: number } }) => p.order.seq)).toEqual([1, 2]);
    expect((await getJson(`${server.url}/api/telegraphs/workshop/state`)).body).toMatchObject({ order: null, history: [] });
    expect(server.logs).toContain('store: the memory kept as "default" is now the default telegraph "lab"\'s');
  });
});
