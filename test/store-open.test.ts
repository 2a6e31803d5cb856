// Several nodes started at once on one new data folder (docs/scaling.md): each opens the store,
// reads its push keys and logs the first admin's sign-in link at the same moment; the schema, the
// keys and the first admin are made once, whichever comes first, and none of them fails.
import path from "node:path";
import { afterEach, expect, it } from "vitest";
import { MIGRATIONS } from "../server/store/migrations";
import { people } from "../server/people/people";
import { loadVapid } from "../server/push/vapid";
import { openStore } from "../server/store/store";
import { tempDir } from "./support/files";
import { spawnReady } from "./support/spawn";
import { tracker } from "./support/track";

const track = tracker();
afterEach(() => track.cleanup());

const code = (file: string) => JSON.stringify(path.resolve(import.meta.dirname, "../server", file));
/**
 * A process that loads the code, says "loaded", and when told to on its stdin opens the store in
 * argv[1], prints its push key and the name the first admin's link is for (as chadburn.ts does).
 */
const OPENER = `
const { openStore } = await import(${code("store/store.ts")});
const { loadVapid } = await import(${code("push/vapid.ts")});
const { people } = await import(${code("people/people.ts")});
console.log("loaded");
process.stdin.once("data", () => {
  const store = openStore(process.argv[1]);
  console.log(loadVapid(process.argv[1]).publicKey);
  console.log(people(store).firstAdminInvite().name);
  store.close();
});
`;

it(
  "opens one new data folder from several processes at the same moment: one schema, one pair of push keys, one first admin",
  { timeout: 60_000 },
  async () => {
    for (let round = 0; round < 5; round++) {
      const dir = path.join(track.dir(await tempDir()), "data");
      const openers = Array.from({ length: 4 }, () => {
        const lines: string[] = [];
        const spawned = spawnReady(
          [process.execPath, "--import", "tsx", "--input-type=module", "-e", OPENER, dir],
          (line) => (line === "loaded" ? line : undefined),
          { what: "a process opening the store", stdin: true, onLine: (line) => lines.push(line) },
        );
        return { spawned, lines };
      });
      await Promise.all(openers.map(({ spawned }) => spawned.ready));
      for (const { spawned } of openers) spawned.child.stdin!.end("go\n"); // all at once
      const keys = new Set<string>();
      for (const { spawned, lines } of openers) {
        const [exit] = await spawned.exited;
        expect({ exit, lines }).toEqual({ exit: 0, lines: ["loaded", expect.stringMatching(/^[\w-]{87}$/), "admin"] });
        keys.add(lines[1]);
      }
      expect(keys.size).toBe(1);
      expect(loadVapid(dir).publicKey).toBe([...keys][0]);
      const store = openStore(dir);
      expect(store.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
      expect(
        people(store)
          .list()
          .map(({ name, role }) => ({ name, role })),
      ).toEqual([{ name: "admin", role: "admin" }]);
      store.close();
    }
  },
);
