// The `chadburn` command as a person runs it: a real process on a real store in a temp folder, or
// against a real server.
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DEFAULT_FACE } from "../lib/face";
import { people } from "../server/people/people";
import { tokens } from "../server/people/tokens";
import { openStore } from "../server/store/store";
import { tempDir } from "./support/files";
import { getJson } from "./support/http";
import { connect } from "./support/panels";
import { startServer } from "./support/server";
import { listeningOn, messageOf, spawnReady } from "./support/spawn";
import { tracker } from "./support/track";

const track = tracker();
afterEach(() => track.cleanup());
// A test here runs up to a dozen node processes, each a second or more on a busy machine.
vi.setConfig({ testTimeout: 90_000 });

const bin = path.resolve(import.meta.dirname, "../bin/chadburn.mjs");

/** Runs `chadburn ARGS` with these variables added, in `cwd` when given; resolves once it exits. */
function run(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, cwd }, (error, out, err) =>
      resolve({ code: error ? Number(error.code) : 0, out, err }),
    );
  });
}

/** Runs `chadburn ARGS` on `dir` (as --data-dir, or as CHADBURN_DATA_DIR when `byEnv`). */
function chadburn(dir: string, args: string[], byEnv = false) {
  return byEnv ? run(args, { CHADBURN_DATA_DIR: dir }) : run([...args, "--data-dir", dir]);
}

/** What the store in `dir` holds now. */
function stored(dir: string) {
  const store = openStore(dir);
  try {
    return { people: people(store).list(), tokens: tokens(store).list() };
  } finally {
    store.close();
  }
}

describe("chadburn user", () => {
  it("add, list, role, reset and remove, each kept in the store", async () => {
    const dir = track.dir(await tempDir());
    const added = await chadburn(dir, ["user", "add", "Ann", "--role", "admin"]);
    expect(added).toMatchObject({ code: 0, err: "" });
    expect(added.out).toMatch(
      /^Ann added as admin\. Their one-time sign-in link, valid 24 hours:\nhttp:\/\/localhost:1873\/welcome#signin_[\w-]{43}\n$/,
    );
    expect((await chadburn(dir, ["user", "add", "Bob", "--role", "crew"], true)).code).toBe(0);

    const list = await chadburn(dir, ["user", "list"]);
    expect(list.out.split("\n").map((l) => l.split(/\s+/).slice(0, 3).join(" "))).toEqual([
      "NAME ROLE PASSWORD",
      "Ann admin not",
      "Bob crew not",
      "",
    ]);

    expect((await chadburn(dir, ["user", "role", "bob", "bridge"])).out).toBe("Bob is now bridge.\n");
    const reset = await chadburn(dir, ["user", "reset", "Bob", "--url", "https://chadburn.example.org/panel"]);
    expect(reset.out).toMatch(
      /^Bob is signed out everywhere\. Their new one-time sign-in link, valid 24 hours:\nhttps:\/\/chadburn\.example\.org\/welcome#signin_[\w-]{43}\n$/,
    );
    expect(reset.out).not.toContain(added.out.split("\n")[1]);
    expect((await chadburn(dir, ["user", "remove", "Bob"])).out).toBe("Bob removed.\n");
    expect(stored(dir).people).toEqual([expect.objectContaining({ name: "Ann", role: "admin" })]);
  });

  it("a refused change says why in one line, exits non-zero and changes nothing", async () => {
    const dir = track.dir(await tempDir());
    await chadburn(dir, ["user", "add", "Ann", "--role", "admin"]);
    const cases: [string[], RegExp][] = [
      [["user", "add", "ann", "--role", "crew"], /^chadburn: "ann" is already someone\n$/],
      [["user", "add", "Bob", "--role", "captain"], /'captain' is invalid\. must be one of viewer, crew, bridge, admin/],
      [["user", "add", "Bob"], /required option '--role <role>' not specified/],
      [["user", "add", "B\u200Bob", "--role", "crew"], /^chadburn: a name cannot hold control, zero-width or direction-changing characters\n$/],
      [["user", "remove", "Ann"], /^chadburn: Ann is the last admin: make someone else admin first\n$/],
      [["user", "reset", "Nobody"], /^chadburn: no one is called "Nobody"\n$/],
      [["user", "frobnicate"], /unknown command 'frobnicate'/],
      [["user", "reset", "Ann", "--url", "ftp://x"], /--url <url>.*must be an http:\/\/ or https:\/\/ address/],
    ];
    for (const [args, error] of cases) {
      const result = await chadburn(dir, args);
      expect(result.code, args.join(" ")).not.toBe(0);
      expect(result.err, args.join(" ")).toMatch(error);
      expect(result.out).toBe("");
    }
    // A data folder that is not one: its flag wins over the environment's folder.
    expect(await chadburn(dir, ["user", "list", "--data-dir", "/dev/null"], true)).toEqual({
      code: 1,
      out: "",
      err: "chadburn: EEXIST: file already exists, mkdir '/dev/null'\n",
    });
    expect(stored(dir).people.map((p) => [p.name, p.role])).toEqual([["Ann", "admin"]]);
  });
});

describe("chadburn user role and token create --telegraph", () => {
  it("give a role on one telegraph (own: theirs again) and limit a token to telegraphs; an unknown slug changes nothing", async () => {
    const dir = track.dir(await tempDir());
    await chadburn(dir, ["user", "add", "Ann", "--role", "crew"]);
    const store = openStore(dir); // as a server serving "lab" leaves it
    store.prepare("INSERT INTO telegraphs (slug, epoch, seq) VALUES ('lab', 'e', 0)").run();
    store.close();
    const unknown = { code: 2, out: "", err: 'chadburn: no telegraph "kitchen" here: the telegraphs are default, lab\n' };

    expect((await chadburn(dir, ["user", "role", "Ann", "bridge", "--telegraph", "lab"])).out).toBe("Ann is now bridge on lab.\n");
    expect(await chadburn(dir, ["user", "role", "Ann", "none", "--telegraph", "kitchen"])).toEqual(unknown);
    expect((await chadburn(dir, ["user", "list"])).out).toMatch(/\nAnn +crew +not yet +\S+ +lab bridge\n$/);
    expect((await chadburn(dir, ["user", "role", "Ann", "own", "--telegraph", "lab"])).out).toBe("Ann has their own role on lab again.\n");
    expect(stored(dir).people[0].telegraphRoles).toEqual({});

    expect((await chadburn(dir, ["token", "create", "--name", "lamp", "--role", "bridge", "--telegraph", "lab"])).out).toMatch(
      /^Token lamp \(bridge on lab\) created\./,
    );
    expect(await chadburn(dir, ["token", "create", "--name", "fan", "--role", "crew", "--telegraph", "lab,kitchen"])).toEqual(unknown);
    expect((await chadburn(dir, ["token", "list"])).out).toMatch(/\nlamp +bridge +lab +\S+ +never\n$/);
    expect(stored(dir).tokens.map((t) => [t.name, t.telegraphs])).toEqual([["lamp", ["lab"]]]);
  });
});

describe("chadburn audit", () => {
  it("lists every change to people and tokens, by whom and from where; --json for tools, --since to cut", async () => {
    const dir = track.dir(await tempDir());
    await chadburn(dir, ["user", "add", "Ann", "--role", "admin"]);
    await chadburn(dir, ["token", "create", "--name", "kettle", "--role", "bridge"]);
    await chadburn(dir, ["token", "revoke", "kettle"]);
    await chadburn(dir, ["user", "remove", "Nobody"]); // refused: not a change
    const lines = (await chadburn(dir, ["audit", "--json"])).out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const who = `command line (${userInfo().username})`;
    expect(lines).toEqual([
      { at: expect.any(String), who, address: "local", action: "user", detail: "Ann added as admin." },
      { at: expect.any(String), who, address: "local", action: "token", detail: "Token kettle (bridge) created." },
      { at: expect.any(String), who, address: "local", action: "token", detail: "Token kettle revoked." },
    ]);
    expect((await chadburn(dir, ["audit"])).out).toMatch(/^AT +WHO +FROM +WHAT\n\S+ +command line \(\w+\) +local +user +Ann added as admin\.\n/);
    expect((await chadburn(dir, ["audit", "--since", "2999-01-01"])).out).toBe("Nothing yet.\n");
    expect((await chadburn(dir, ["audit", "--since", "yesterday"])).err).toBe("chadburn: --since yesterday: not a time\n");
  });
});

describe("chadburn token", () => {
  it("create shows the token once; list never shows it; revoke ends it", async () => {
    const dir = track.dir(await tempDir());
    const created = await chadburn(dir, ["token", "create", "--name", "kettle", "--role", "bridge"]);
    expect(created.code).toBe(0);
    const secret = /^(chadburn_[\w-]{43})$/m.exec(created.out)?.[1];
    expect(secret).toBeDefined();
    const list = await chadburn(dir, ["token", "list"]);
    expect(list.out).toMatch(/^NAME +ROLE +TELEGRAPHS +CREATED +LAST USED\nkettle +bridge +all +\S+ +never\n$/);
    expect(list.out).not.toContain(secret);

    const store = openStore(dir);
    expect(tokens(store).check(secret!)?.name).toBe("kettle");
    store.close();
    expect((await chadburn(dir, ["token", "revoke", "kettle"])).out).toBe("Token kettle revoked.\n");
    expect(stored(dir).tokens).toEqual([]);
    expect((await chadburn(dir, ["token", "revoke", "kettle"])).err).toBe('chadburn: no token is called "kettle"\n');
  });
});

describe("chadburn order, answer and status", () => {
  const time = "\\d\\d:\\d\\d";

  it("order and answer through a running server's API, as a token's holder or anonymously; status sums it up", async () => {
    const server = track.server(await startServer({ anonymous: "crew" }));
    const created = await chadburn(server.dir, ["token", "create", "--name", "kettle", "--role", "bridge"]);
    const secret = /^chadburn_\S+$/m.exec(created.out)![0];

    expect(await run(["order", "coffee", "--url", server.url, "--token", secret])).toEqual({ code: 0, out: "COFFEE (7) ordered, #1\n", err: "" });
    expect(readFileSync(server.statusFile, "utf8")).toBe("7\n");
    expect(await run(["answer", "7", "--by", "Ann"], { CHADBURN_URL: server.url })).toEqual({ code: 0, out: "COFFEE (7) answered, #1\n", err: "" });
    expect(readFileSync(server.acceptFile, "utf8")).toBe("7\n");
    const back = await run(["answer", "8", "--by", "Ann"], { CHADBURN_URL: server.url }); // Ann takes hers back
    expect(back.out).toBe("LUNCH (8) answered; the order is COFFEE (7), #1\n");

    const { client } = track.client(await connect(server.url));
    expect(await client.emitWithAck("hello", { panel: "panel-of-bob", name: "Bob" })).toEqual({ ok: true });
    const status = await run(["status", "--url", server.url]);
    expect(status).toMatchObject({ code: 0, err: "" });
    expect(status.out).toMatch(
      new RegExp(
        `^order #1: COFFEE — sent by kettle through the API at ${time}; waiting for an answer; clears at ${time}\\n` +
          `answer: LUNCH — answered by Ann at ${time}\\n` +
          "telegraph: status file; links: status-file watching\\n" +
          "listening: Bob\\n$",
      ),
    );
    const json = await run(["status", "--json"], { CHADBURN_URL: server.url, CHADBURN_TOKEN: secret });
    // The same as the API says, but for when the panel was last seen (its heartbeat may come between the two).
    const seenless = (state: { presence: { people: { lastSeen?: string }[] } }) => ({
      ...state,
      presence: { ...state.presence, people: state.presence.people.map(({ lastSeen: _, ...p }) => p) },
    });
    expect(seenless(JSON.parse(json.out))).toEqual(seenless((await getJson(`${server.url}/api/state`)).body));
    expect(JSON.parse(json.out)).toMatchObject({ order: { position: 7, seq: 1, by: "kettle" }, answer: { position: 8 }, presence: { panels: 1 } });
  });

  it("--telegraph (CHADBURN_TELEGRAPH) names which of several telegraphs; an unknown one is refused, exit 2", async () => {
    const dir = track.dir(await tempDir());
    const soft = (slug: string) => ({ slug, title: slug, face: DEFAULT_FACE, baud: 9600 });
    const server = track.server(await startServer({ dir, telegraphs: [soft("lab"), soft("workshop")], defaultTelegraph: "lab" }));
    expect(await run(["order", "coffee", "--url", server.url, "--telegraph", "workshop"])).toEqual({
      code: 0,
      out: "COFFEE (7) ordered, #1\n",
      err: "",
    });
    const status = (env: Record<string, string>) => run(["status", "--json", "--url", server.url], env).then((r) => JSON.parse(r.out).order);
    expect(await status({ CHADBURN_TELEGRAPH: "workshop" })).toMatchObject({ position: 7 });
    expect(await status({})).toBeNull(); // the default, "lab"
    expect(await run(["status", "--url", server.url, "--telegraph", "nope"])).toEqual({
      code: 2,
      out: "",
      err: 'chadburn: no telegraph "nope" on this server\n',
    });
  });

  it("a refusal is the server's own reason, exit 2; a server out of reach is one line, exit 1", async () => {
    const server = track.server(await startServer({ anonymous: "crew" }));
    expect(await run(["order", "7", "--url", server.url])).toEqual({ code: 2, out: "", err: "chadburn: sending orders needs the bridge role\n" });
    expect(await run(["answer", "tea", "--url", server.url])).toMatchObject({
      code: 2,
      out: "",
      err: expect.stringMatching(/^chadburn: unknown position "tea": this face has 1 FULL, .*\n$/),
    });
    expect(await run(["status", "--url", server.url, "--token", "chadburn_forged"])).toMatchObject({
      code: 2,
      out: "",
      err: expect.stringMatching(/^chadburn: .*not valid.*\n$/),
    });
    expect(readFileSync(server.statusFile, "utf8")).toBe("");

    const { url } = server;
    await server.stop(); // nothing listens on its port now
    expect(await run(["status"], { CHADBURN_URL: url })).toEqual({
      code: 1,
      out: "",
      err: `chadburn: cannot reach ${url} (connection refused): is the server running?\n`,
    });
    expect(await run(["order", "7", "--url", "ftp://x"])).toMatchObject({
      code: 1,
      err: expect.stringMatching(/--url <url>.*must be an http:\/\/ or https:\/\/ address/),
    });
  });
});

describe("chadburn start and sim", () => {
  it("start serves with the server's own flags (headless: no build needed) until SIGTERM", async () => {
    const dir = track.dir(await tempDir());
    const logs: string[] = [];
    const command = [process.execPath, bin, "start", "--port", "0", "--host", "127.0.0.1", "--data-dir", dir, "--headless"];
    const server = track.child(spawnReady(command, listeningOn, { what: "chadburn start to listen", onLine: (line) => logs.push(messageOf(line)) }));
    const url = await server.ready;
    expect((await run(["status", "--url", url])).out).toMatch(/^no order yet\n/);
    expect(await getJson(`${url}/`)).toMatchObject({ status: 404, body: { error: "the panel is not served by this instance" } });
    await server.stop();
    expect(logs).toContain("SIGTERM: telling panels and shutting down");
  });

  it("start and sim refuse a bad flag as the server and the simulator do", async () => {
    expect(await run(["start", "--port", "x"])).toEqual({
      code: 2,
      out: "",
      err: "chadburn: option '--port <number>' argument 'x' is invalid. must be a whole number from 0 to 65535\n",
    });
    expect(await run(["sim", "--every", "0"])).toMatchObject({
      code: 1,
      out: "",
      err: expect.stringMatching(/--every <seconds>.*must be a number of seconds above 0/),
    });
  });

  it("sim plays the telegraph with the simulator's own flags", async () => {
    const dir = track.dir(await tempDir());
    const sim = await run(["sim", "--data-dir", dir, "--script", "coffee"]);
    expect(sim).toMatchObject({ code: 0, err: "" });
    expect(sim.out).toContain("order 7 COFFEE");
    expect(readFileSync(path.join(dir, "status.eot"), "utf8")).toBe("7\n");
  });
});

describe("chadburn --help and the config file", () => {
  it("--help lists every command", async () => {
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    for (const name of ["start", "sim", "order", "answer", "status", "user", "token", "audit"])
      expect(help.out).toMatch(new RegExp(`^  ${name}\\b`, "m"));
  });

  it("the management commands take the data folder from the config file, below --data-dir", async () => {
    const dir = track.dir(await tempDir());
    mkdirSync(path.join(dir, "etc"));
    writeFileSync(path.join(dir, "etc", "chadburn.json"), JSON.stringify({ dataDir: "../store", port: 4000 }));
    expect((await run(["user", "add", "Ann", "--role", "admin", "--config", "etc/chadburn.json"], {}, dir)).code).toBe(0);
    expect(stored(path.join(dir, "store")).people.map((p) => p.name)).toEqual(["Ann"]);

    writeFileSync(path.join(dir, "chadburn.config.json"), JSON.stringify({ dataDir: "store" })); // the default file
    expect((await run(["user", "list"], {}, dir)).out).toMatch(/^NAME.*\nAnn /);
    expect((await run(["user", "list", "--data-dir", "other"], {}, dir)).out).toBe("No one yet.\n");
    writeFileSync(path.join(dir, "chadburn.config.json"), JSON.stringify({ dataDri: "store" }));
    expect(await run(["user", "list"], {}, dir)).toEqual({
      code: 2,
      out: "",
      err: 'chadburn: chadburn.config.json: unknown key "dataDri" (did you mean "dataDir"?)\n',
    });
  });
});
