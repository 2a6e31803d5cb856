// The WAL checkpointed by a worker thread: the server's own commits never copy the WAL back (however
// long it grows), the worker's checkpoint does, and the WAL then starts over.
import { rmSync, statSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { checkpointElsewhere } from "./checkpoints";
import { openStore } from "./store";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe("checkpointElsewhere", () => {
  it("leaves the server's commits alone and checkpoints the whole WAL in its worker", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "chadburn-checkpoint-"));
    dirs.push(dir);
    const store = openStore(dir);
    const errors: Error[] = [];
    const checkpoints = checkpointElsewhere(store, (error) => errors.push(error));
    store.exec("CREATE TABLE filler (x BLOB)");
    const insert = store.prepare("INSERT INTO filler VALUES (?)");
    // Past SQLite's own threshold (1,000 pages of 4 KB), one commit per row as the orders come.
    for (let i = 0; i < 1500; i++) insert.run(Buffer.alloc(4000));
    const wal = `${store.name}-wal`;
    const grown = statSync(wal).size;
    expect(grown).toBeGreaterThan(1500 * 4000); // nothing copied it back meanwhile

    const done = await checkpoints.now();
    expect(done.busy).toBe(0);
    expect(done.checkpointed).toBe(done.log);
    expect(done.log).toBeGreaterThan(1500);
    // Everything is in the database now: the next commits write the WAL from its start again.
    for (let i = 0; i < 10; i++) insert.run(Buffer.alloc(4000));
    expect((await checkpoints.now()).log).toBeLessThan(100);
    expect(statSync(wal).size).toBe(grown); // reused, not grown
    expect(store.prepare("SELECT count(*) FROM filler").pluck().get()).toBe(1510);
    await checkpoints.close();
    store.close();
    expect(errors).toEqual([]);
  });
});
