// The `chadburn` command as a person runs it: a real process on a real store in a temp folder.
import { execFile } from "node:child_process";
import { userInfo } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { people } from "../server/people/people";
import { tokens } from "../server/people/tokens";
import { openStore } from "../server/store/store";
import { tempDir, tracker } from "./helpers";

const track = tracker();
afterEach(() => track.cleanup());

const bin = path.resolve(import.meta.dirname, "../bin/chadburn.mjs");

/** Runs `chadburn ARGS` on `dir` (as --data-dir, or as CHADBURN_DATA_DIR when `byEnv`). */
function chadburn(dir: string, args: string[], byEnv = false): Promise<{ code: number; out: string; err: string }> {
  const env = { ...process.env, ...(byEnv ? { CHADBURN_DATA_DIR: dir } : {}) };
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args, ...(byEnv ? [] : ["--data-dir", dir])], { env }, (error, out, err) =>
      resolve({ code: error ? Number(error.code) : 0, out, err }),
    );
  });
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
    expect(added.out).toMatch(/^Ann added as admin\. Their one-time sign-in link, valid 24 hours:\nhttp:\/\/localhost:1873\/welcome#signin_[\w-]{43}\n$/);
    expect((await chadburn(dir, ["user", "add", "Bob", "--role", "crew"], true)).code).toBe(0);

    const list = await chadburn(dir, ["user", "list"]);
    expect(list.out.split("\n").map((l) => l.split(/\s+/).slice(0, 3).join(" "))).toEqual(["NAME ROLE PASSWORD", "Ann admin not", "Bob crew not", ""]);

    expect((await chadburn(dir, ["user", "role", "bob", "bridge"])).out).toBe("Bob is now bridge.\n");
    const reset = await chadburn(dir, ["user", "reset", "Bob", "--url", "https://chadburn.example.org/panel"]);
    expect(reset.out).toMatch(/^Bob is signed out everywhere\. Their new one-time sign-in link, valid 24 hours:\nhttps:\/\/chadburn\.example\.org\/welcome#signin_[\w-]{43}\n$/);
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
    expect(await chadburn(dir, ["user", "list", "--data-dir", "/dev/null"], true)).toEqual({ code: 1, out: "", err: "chadburn: EEXIST: file already exists, mkdir '/dev/null'\n" });
    expect(stored(dir).people.map((p) => [p.name, p.role])).toEqual([["Ann", "admin"]]);
  });
});

describe("chadburn audit", () => {
  it("lists every change to people and tokens, by whom and from where; --json for tools, --since to cut", async () => {
    const dir = track.dir(await tempDir());
    await chadburn(dir, ["user", "add", "Ann", "--role", "admin"]);
    await chadburn(dir, ["token", "create", "--name", "kettle", "--role", "bridge"]);
    await chadburn(dir, ["token", "revoke", "kettle"]);
    await chadburn(dir, ["user", "remove", "Nobody"]); // refused: not a change
    const lines = (await chadburn(dir, ["audit", "--json"])).out.trim().split("\n").map((l) => JSON.parse(l));
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
    expect(list.out).toMatch(/^NAME +ROLE +CREATED +LAST USED\nkettle +bridge +\S+ +never\n$/);
    expect(list.out).not.toContain(secret);

    const store = openStore(dir);
    expect(tokens(store).check(secret!)?.name).toBe("kettle");
    store.close();
    expect((await chadburn(dir, ["token", "revoke", "kettle"])).out).toBe("Token kettle revoked.\n");
    expect(stored(dir).tokens).toEqual([]);
    expect((await chadburn(dir, ["token", "revoke", "kettle"])).err).toBe('chadburn: no token is called "kettle"\n');
  });
});
