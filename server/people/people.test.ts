// People and tokens on a real store in a temporary folder.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { MIGRATIONS } from "../store/migrations";
import { STORE_FILE, type Store, openStore } from "../store/store";
import { SIGN_IN_LINK_MS, people } from "./people";
import { hashSecret } from "./secrets";
import { tokens } from "./tokens";

let dirs: string[] = [];
let stores: Store[] = [];
afterEach(() => {
  for (const s of stores) if (s.open) s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
  stores = [];
});

function store(dir = mkdtempSync(path.join(tmpdir(), "chadburn-store-"))): Store {
  if (!dirs.includes(dir)) dirs.push(dir);
  const s = openStore(dir);
  stores.push(s);
  return s;
}

const NOW = new Date("2026-11-26T10:00:00.000Z");
const links = (s: Store) => s.prepare("SELECT hash, person_id, expires_at FROM sign_in_links").all();

describe("the store", () => {
  it("is brought to the newest schema once, and kept when opened again", () => {
    const first = store();
    expect(first.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
    people(first).add("Ann", "admin");
    first.close();
    const again = store(dirs[0]);
    expect(
      people(again)
        .list()
        .map((p) => p.name),
    ).toEqual(["Ann"]);
  });

  it("made by an older Chadburn is migrated, keeping what it holds", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "chadburn-store-"));
    dirs.push(dir);
    const old = new Database(path.join(dir, STORE_FILE));
    old.exec(MIGRATIONS[0]);
    old.pragma("user_version = 1");
    old.prepare("INSERT INTO people (name, role, created_at) VALUES ('Ann', 'admin', 'then')").run();
    old.close();
    const s = store(dir);
    expect(s.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
    expect(
      people(s)
        .list()
        .map((p) => p.name),
    ).toEqual(["Ann"]);
    expect(s.prepare("SELECT count(*) AS n FROM audit").get()).toEqual({ n: 0 });
  });

  it("from a newer Chadburn is refused, not changed", () => {
    const newer = store();
    newer.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    newer.close();
    expect(() => store(dirs[0])).toThrow(new RegExp(`newer Chadburn \\(schema ${MIGRATIONS.length + 1}, this one knows ${MIGRATIONS.length}\\)`));
  });
});

describe("people", () => {
  it("are added with a role and a one-time sign-in link, kept only as a hash, valid 24 h", () => {
    const s = store();
    const { person, code } = people(s, () => NOW).add("  Ann  ", "bridge");
    expect(person).toEqual({ id: 1, name: "Ann", role: "bridge", telegraphRoles: {}, hasPassword: false, createdAt: NOW.toISOString(), sessions: 0 });
    expect(code).toMatch(/^signin_[A-Za-z0-9_-]{43}$/);
    expect(links(s)).toEqual([{ hash: hashSecret(code), person_id: 1, expires_at: new Date(NOW.getTime() + SIGN_IN_LINK_MS).toISOString() }]);
  });

  it("names are unique in any case and must be fit to show", () => {
    const s = store();
    people(s).add("Ann", "crew");
    const refused: [string, RegExp][] = [
      ["ann", /already someone/],
      ["", /at least one character/],
      ["x".repeat(41), /at most 40/],
      ["x".repeat(10_000), /at most 40/],
      ["A\u200Bnn", /zero-width/],
      ["\u202Enna", /direction-changing/],
      ["Ann\nBob", /control/],
    ];
    for (const [name, error] of refused) expect(() => people(s).add(name, "crew"), JSON.stringify(name)).toThrow(error);
    expect(people(s).list()).toHaveLength(1);
    // SQL-looking names are names like any other.
    expect(people(s).add("Robert'); DROP TABLE people;--", "viewer").person.name).toBe("Robert'); DROP TABLE people;--");
    expect(people(s).list()).toHaveLength(2);
  });

  it("reset ends their sessions and replaces their sign-in link", () => {
    const s = store();
    const { code } = people(s).add("Ann", "crew");
    s.prepare("INSERT INTO sessions (hash, person_id, created_at, expires_at) VALUES ('h', 1, 'now', 'later')").run();
    const again = people(s).reset("ANN");
    expect(again.code).not.toBe(code);
    expect(links(s)).toEqual([expect.objectContaining({ hash: hashSecret(again.code) })]);
    expect(s.prepare("SELECT count(*) AS n FROM sessions").get()).toEqual({ n: 0 });
  });

  it("the last admin can be neither removed nor demoted; others can", () => {
    const s = store();
    const crew = people(s);
    crew.add("Ann", "admin");
    crew.add("Bob", "crew");
    expect(() => crew.remove("Ann")).toThrow(/last admin/);
    expect(() => crew.setRole("Ann", "bridge")).toThrow(/last admin/);
    crew.setRole("Bob", "admin");
    expect(crew.remove("Ann").name).toBe("Ann");
    expect(links(s)).toEqual([expect.objectContaining({ person_id: 2 })]); // Ann's link went with her
    expect(() => crew.remove("Ann")).toThrow(/no one is called "Ann"/);
  });

  it("roles on telegraphs: given, replaced, cleared; an unknown slug changes nothing; they go with the person", () => {
    const s = store();
    const crew = people(s);
    crew.add("Ann", "crew");
    const slugs = ["lab", "workshop"];
    crew.setTelegraphRole("Ann", "lab", "bridge", slugs);
    expect(crew.setTelegraphRole("ann", "workshop", "none", slugs).telegraphRoles).toEqual({ lab: "bridge", workshop: "none" });
    expect(crew.setTelegraphRole("Ann", "lab", "viewer", slugs).telegraphRoles).toEqual({ lab: "viewer", workshop: "none" });
    expect(() => crew.setTelegraphRole("Ann", "kitchen", "crew", slugs)).toThrow('no telegraph "kitchen" here: the telegraphs are lab, workshop');
    expect(crew.setTelegraphRole("Ann", "lab", null, slugs).telegraphRoles).toEqual({ workshop: "none" });
    expect(crew.remove("Ann").telegraphRoles).toEqual({ workshop: "none" });
    expect(s.prepare("SELECT count(*) AS n FROM telegraph_roles").get()).toEqual({ n: 0 });
  });
});

describe("tokens", () => {
  it("are shown once, kept as a hash, found by their secret, and stop working when revoked", () => {
    const s = store();
    let now = NOW;
    const kept = tokens(s, () => now);
    const { token, secret } = kept.create("kettle", "bridge");
    expect(token).toEqual({ name: "kettle", role: "bridge", createdAt: NOW.toISOString(), lastUsed: null });
    expect(secret).toMatch(/^chadburn_[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(s.prepare("SELECT * FROM tokens").all())).not.toContain(secret);

    now = new Date(NOW.getTime() + 60_000);
    expect(kept.check(secret)).toEqual({ ...token, lastUsed: now.toISOString() });
    expect(kept.list()).toEqual([{ ...token, lastUsed: now.toISOString() }]);
    expect(kept.check(`${secret}x`)).toBeNull();
    expect(kept.check("chadburn_forged")).toBeNull();
    expect(() => kept.create("Kettle", "crew")).toThrow(/already called/);

    kept.revoke("kettle");
    expect(kept.check(secret)).toBeNull();
    expect(kept.list()).toEqual([]);
  });

  it("limited to telegraphs, each one there is: said when found; an unknown or no slug makes none; they go when it is revoked", () => {
    const s = store();
    const kept = tokens(s, () => NOW);
    const known = ["lab", "workshop"];
    const { secret } = kept.create("lamp", "crew", { telegraphs: ["workshop", "lab", "lab"], known });
    expect(kept.check(secret)).toMatchObject({ name: "lamp", telegraphs: ["lab", "workshop"] });
    expect(() => kept.create("fan", "crew", { telegraphs: ["kitchen"], known })).toThrow('no telegraph "kitchen" here');
    expect(() => kept.create("fan", "crew", { telegraphs: [], known })).toThrow("name at least one telegraph the token works on");
    expect(kept.list().map((t) => t.name)).toEqual(["lamp"]);
    expect(kept.revoke("lamp").telegraphs).toEqual(["lab", "workshop"]);
    expect(s.prepare("SELECT count(*) AS n FROM token_telegraphs").get()).toEqual({ n: 0 });
  });
});
