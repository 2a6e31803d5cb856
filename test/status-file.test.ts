// The status file against a running server: real writers (node, a shell, rename, delete, truncate),
// each checked by what every panel receives.
import { randomBytes } from "node:crypto";
import { closeSync, openSync, renameSync, statSync, writeFileSync, writeSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Snapshot } from "../lib/protocol";
import { q, sh } from "./support/files";
import { getJson, getSnapshot } from "./support/http";
import { expectNext, nextOnEach, order, record, seqOf, serverWithPanels, stateWhere, statesDuring } from "./support/panels";
import { tracker } from "./support/track";
import { QUIET_MS, sleep, waitFor, within } from "./support/wait";

const track = tracker();
afterEach(() => track.cleanup());

// The sizes at which the server (in this process) opened a file, for a test that must know the
// server has read one write before it makes the next when reading it tells no panel anything.
const opened = vi.hoisted(() => new Map<string, number[]>());
vi.mock("node:fs", async (original) => {
  const fs = await original<typeof import("node:fs")>();
  const openSync: typeof fs.openSync = (file, flags, mode) => {
    const fd = fs.openSync(file, flags, mode);
    opened.get(String(file))?.push(fs.fstatSync(fd).size);
    return fd;
  };
  return { ...fs, openSync, default: { ...fs, openSync } };
});
const setup = (n?: number) => serverWithPanels(track, n);

describe("writers", () => {
  it("node writeFileSync in place", async () => {
    const {
      server,
      clients: [c],
      first,
    } = await setup();
    expect(first.order).toBeNull();
    const s1 = await expectNext(c, () => writeFileSync(server.statusFile, "7\n"));
    expect(s1.order).toMatchObject({ ...order(7, 1), name: "coffee", label: "COFFEE" });
    const s2 = await expectNext(c, () => writeFileSync(server.statusFile, "3"));
    expect(s2.order).toMatchObject(order(3, 2));
  });

  it("a real shell: echo N > FILE", async () => {
    const {
      server,
      clients: [c],
    } = await setup();
    const s1 = await expectNext(c, () => sh(`echo 7 > ${q(server.statusFile)}`));
    expect(s1.order).toMatchObject(order(7, 1));
    const s2 = await expectNext(c, () => sh(`echo 11 > ${q(server.statusFile)}`));
    expect(s2.order).toMatchObject({ ...order(11, 2), label: "BATTLE STATIONS" });
  });

  it("printf: names and labels in any case, CRLF and surrounding whitespace", async () => {
    const {
      server,
      clients: [c],
    } = await setup();
    const cases: [string, number][] = [
      ["coffee\\r\\n", 7],
      ["  Battle Stations \\r\\n", 11],
      ["LUNCH", 8],
      ["\\t 2 \\r\\n", 2],
      ["Battle-Stations\\n", 11],
      ["\\r\\n  eww\\r\\n\\r\\n", 9],
    ];
    let seq = 0;
    for (const [text, position] of cases) {
      const s = await expectNext(c, () => sh(`printf '${text}' > ${q(server.statusFile)}`));
      expect(s.order, JSON.stringify(text)).toMatchObject(order(position, ++seq));
    }
  });

  it("temp file renamed over it: fs.renameSync and mv", async () => {
    const {
      server,
      clients: [c],
    } = await setup();
    const tmp = path.join(server.dir, ".status.eot.tmp");
    const s1 = await expectNext(c, () => {
      writeFileSync(tmp, "4\n");
      renameSync(tmp, server.statusFile);
    });
    expect(s1.order).toMatchObject(order(4, 1));
    const s2 = await expectNext(c, () => sh(`printf '5\\n' > ${q(tmp)} && mv ${q(tmp)} ${q(server.statusFile)}`));
    expect(s2.order).toMatchObject(order(5, 2));
  });

  it("deleted (rm), then recreated: nothing for the deletion, the new content after", async () => {
    const {
      server,
      clients: [c],
    } = await setup();
    await expectNext(c, () => writeFileSync(server.statusFile, "1\n"));
    await sh(`rm ${q(server.statusFile)}`);
    expect(await statesDuring(c, QUIET_MS)).toEqual([]);
    const s2 = await expectNext(c, () => writeFileSync(server.statusFile, "2\n"));
    expect(s2.order).toMatchObject(order(2, 2));
    // At once, within chokidar's atomic-write window.
    const s3 = await expectNext(c, () => sh(`rm ${q(server.statusFile)} && echo 3 > ${q(server.statusFile)}`));
    expect(s3.order).toMatchObject(order(3, 3));
  });

  it("truncated (truncate -s0), written later: no state for the empty moment", async () => {
    const {
      server,
      clients: [c],
    } = await setup();
    await expectNext(c, () => writeFileSync(server.statusFile, "6\n"));
    await sh(`truncate -s0 ${q(server.statusFile)}`);
    expect(await statesDuring(c, QUIET_MS)).toEqual([]);
    expect((await getJson(`${server.url}/healthz`)).body.links[0].state).toBe("watching");
    const s = await expectNext(c, () => sh(`echo 1 > ${q(server.statusFile)}`));
    expect(s.order).toMatchObject(order(1, 2));
    expect(server.logs.filter((l) => l.includes("ignored"))).toEqual([]);
  });

  it("absent, created later", async () => {
    const {
      server,
      clients: [c],
      first,
    } = await setup();
    // The server creates an empty status file at start; take it away as a telegraph not yet running would have it.
    await sh(`rm ${q(server.statusFile)}`);
    expect(first.order).toBeNull();
    expect(await statesDuring(c, QUIET_MS)).toEqual([]);
    const s = await expectNext(c, () => sh(`echo 10 > ${q(server.statusFile)}`));
    expect(s.order).toMatchObject(order(10, 1));
  });

  it("the whole folder deleted and recreated: the watch re-arms", async () => {
    const {
      server,
      clients: [c],
    } = await setup();
    await expectNext(c, () => writeFileSync(server.statusFile, "2\n"));
    await sh(`rm -rf ${q(server.dir)}`);
    expect(await statesDuring(c, QUIET_MS)).toEqual([]);
    const s1 = await expectNext(c, () => sh(`mkdir ${q(server.dir)} && echo 4 > ${q(server.statusFile)}`));
    expect(s1.order).toMatchObject(order(4, 2));
    // And it keeps watching the new folder.
    const s2 = await expectNext(c, () => writeFileSync(server.statusFile, "5\n"));
    expect(s2.order).toMatchObject(order(5, 3));
  });

  it("the folder emptied, then removed, then recreated: the watch re-arms", async () => {
    // A writer cleaning up step by step (or rm -rf losing the race with the watcher): the files go first, then the folder.
    const {
      server,
      clients: [c],
    } = await setup();
    await expectNext(c, () => writeFileSync(server.statusFile, "2\n"));
    await sh(`rm ${q(server.dir)}/*`);
    expect(await statesDuring(c, QUIET_MS)).toEqual([]);
    await sh(`rmdir ${q(server.dir)}`);
    expect(await statesDuring(c, QUIET_MS)).toEqual([]);
    const s1 = await expectNext(c, () => sh(`mkdir ${q(server.dir)} && echo 4 > ${q(server.statusFile)}`));
    expect(s1.order).toMatchObject(order(4, 2));
  });

  it("the whole folder deleted and recreated at once", async () => {
    const {
      server,
      clients: [c],
    } = await setup();
    await expectNext(c, () => writeFileSync(server.statusFile, "2\n"));
    const s1 = await expectNext(c, () => sh(`rm -rf ${q(server.dir)} && mkdir ${q(server.dir)} && echo 4 > ${q(server.statusFile)}`));
    expect(s1.order).toMatchObject(order(4, 2));
    const s2 = await expectNext(c, () => writeFileSync(server.statusFile, "5\n"));
    expect(s2.order).toMatchObject(order(5, 3));
  });
});

describe("every order once, in order", () => {
  it("10 distinct writes, each awaited: every panel sees seq 1..10 in order, nothing twice", async () => {
    const { server, clients } = await setup(2);
    const seen = clients.map(record);
    const positions = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    for (const position of positions) {
      const arrived = clients.map((c) => stateWhere(c, (s) => s.order?.position === position));
      writeFileSync(server.statusFile, `${position}\n`);
      await within(Promise.all(arrived), `order ${position} on every panel`);
    }
    // One more distinct write: the next state is it, so nothing else was on the way.
    await nextOnEach(clients, () => sh(`echo 11 > ${q(server.statusFile)}`));
    const expected = [...positions, 11].map((position, i) => order(position, i + 1));
    for (const states of seen) expect(states.map((s) => s.order)).toMatchObject(expected);
  });

  it("the same value again is not a new order", async () => {
    const {
      server,
      clients: [c],
    } = await setup();
    await expectNext(c, () => writeFileSync(server.statusFile, "5\n"));
    await sh(`echo 5 > ${q(server.statusFile)}`);
    writeFileSync(server.statusFile, "NEXT\n"); // 5 by its label
    expect(await statesDuring(c, QUIET_MS)).toEqual([]);
    const s = await expectNext(c, () => writeFileSync(server.statusFile, "6\n"));
    expect(s.order).toMatchObject(order(6, 2));
  });
});

describe("bursts: the last write wins for every panel", () => {
  /** Panels watch while `write` bursts into the status file, ending on 11. */
  async function burst(write: (file: string) => Promise<void>) {
    const { server, clients } = await setup(3);
    const seen: Snapshot[][] = clients.map(() => []);
    const done = clients.map((c, i) => stateWhere(c, (s) => s.order?.position === 11, seen[i]));
    await write(server.statusFile);
    const finals = await within(Promise.all(done), "the last write (11) on every panel");
    for (const [i, states] of seen.entries()) {
      // Some writes may be skipped, but each state shown is a new order with the next seq.
      expect(states.map(seqOf)).toEqual(states.map((_, k) => k + 1));
      expect(states, "every panel sees the same states").toEqual(seen[0]);
      expect(finals[i]).toEqual(finals[0]);
    }
    const final = finals[0];
    expect(await getSnapshot(server.url)).toEqual(final);
    // Nothing late moves off it: the next state any panel receives is the next write.
    const after = await nextOnEach(clients, () => writeFileSync(server.statusFile, "6\n"));
    for (const s of after) expect(s.order).toMatchObject(order(6, seqOf(final) + 1));
  }

  for (const gap of [20, 2]) {
    it(`node writes ${gap} ms apart`, async () => {
      await burst(async (file) => {
        for (let position = 1; position <= 10; position++) {
          writeFileSync(file, `${position}\n`);
          await sleep(gap);
        }
        writeFileSync(file, "11\n");
      });
    });
  }

  it("a shell loop writing as fast as it can", async () => {
    await burst(async (file) => {
      const f = q(file);
      await sh(`for i in 1 2 3 4 5 6 7 8 9 10 9 8 7 6 5 4 3 2 1; do echo $i > ${f}; done; echo 'battle stations' > ${f}`);
    });
  });
});

describe("garbage changes nothing and is logged once, with the reason", () => {
  const MB = 1024 * 1024;
  const junk = Buffer.concat([Buffer.from([0]), randomBytes(40), Buffer.from([0, 0x37, 0x0a])]);
  const cases: [string, () => Buffer | string, RegExp][] = [
    ["a word", () => "garbage\n", /unknown position "garbage"/],
    ["an unknown number", () => "42\n", /unknown position "42"/],
    ["binary junk with NUL", () => junk, /binary or non-ASCII/],
    ["a 10 MB file, renamed into place", () => Buffer.alloc(10 * MB, "7"), /bytes.*far too long/],
  ];

  for (const [what, content, reason] of cases) {
    it(what, async () => {
      const {
        server,
        clients: [c],
      } = await setup();
      const before = await expectNext(c, () => writeFileSync(server.statusFile, "7\n"));
      const seen = record(c);

      const data = content();
      if (data.length < MB) writeFileSync(server.statusFile, data);
      else {
        // Written in place, a reader may catch a file this size half-written; see the next test.
        writeFileSync(`${server.statusFile}.tmp`, data);
        renameSync(`${server.statusFile}.tmp`, server.statusFile);
      }
      const ignored = () => server.logs.filter((l) => l.includes("ignored"));
      await waitFor(() => ignored().length > 0, "the log line");
      expect(ignored()[0]).toMatch(reason);
      expect(ignored()[0]).toContain(server.statusFile);
      const health = (await getJson(`${server.url}/healthz`)).body;
      // Health says so in words: degraded, the reason, and since when.
      expect(health).toMatchObject({
        status: "degraded",
        reasons: [expect.stringMatching(new RegExp(`^status file unreadable since \\d{4}-.*Z: .*${reason.source}`))],
        links: [{ link: "status-file", state: "error", error: expect.stringMatching(reason), since: expect.any(String) }],
      });
      // Panels are told of the error, and nothing else changed.
      const refused = await waitFor(() => seen.find((x) => x.links[0]?.state === "error"), "the error on the panel");
      expect(refused).toEqual({
        ...before,
        version: before.version + 1,
        links: [{ link: "status-file", at: server.statusFile, state: "error", error: expect.stringMatching(reason), since: health.links[0].since }],
      });
      expect(await getSnapshot(server.url)).toEqual(refused);

      // The next order is the next valid write, with the next seq: the garbage made none.
      const s = await expectNext(c, () => writeFileSync(server.statusFile, "3\n"));
      expect(s.order).toMatchObject(order(3, 2));
      expect(seen.slice(0, seen.indexOf(s))).toEqual([refused]);
      expect(ignored()).toHaveLength(1);
      const healed = await waitFor(async () => {
        const { body } = await getJson(`${server.url}/healthz`);
        return body.links[0].state === "watching" && body;
      }, "the link watching again");
      expect(healed).toMatchObject({ status: "ok", links: [{ link: "status-file", at: server.statusFile, state: "watching" }] });
      expect(healed.links[0]).toEqual({ link: "status-file", at: server.statusFile, state: "watching" });
    });
  }
});

describe("garbage written slowly", () => {
  it("a file growing to 10 MB in place is logged once, not once per size seen", async () => {
    const {
      server,
      clients: [c],
    } = await setup();
    const before = await expectNext(c, () => writeFileSync(server.statusFile, "7\n"));
    const seen = record(c);
    // A writer that streams junk: 8 chunks of 1.25 MB, each once the server has read the last.
    const sizes: number[] = [];
    opened.set(server.statusFile, sizes);
    const chunk = Buffer.alloc(1.25 * 1024 * 1024, "7");
    const fd = openSync(server.statusFile, "w");
    try {
      for (let size = chunk.length; size <= 8 * chunk.length; size += chunk.length) {
        writeSync(fd, chunk);
        await waitFor(() => sizes.includes(size), `the server to read the file at ${size} bytes`);
      }
    } finally {
      closeSync(fd);
    }
    expect(statSync(server.statusFile).size).toBe(10 * 1024 * 1024);
    const s = await expectNext(c, () => writeFileSync(server.statusFile, "3\n"));
    expect(s.order).toMatchObject(order(3, 2));
    // Before it, only the error was news (once): the order stayed.
    expect(seen.slice(0, seen.indexOf(s)).map((x) => [x.order?.seq, x.links[0].state])).toEqual([[1, "error"]]);
    expect(before.order).toMatchObject(order(7, 1));
    // One line for the one refused content, whatever size the reader caught it at.
    const ignored = server.logs.filter((l) => l.includes("ignored"));
    expect(ignored, ignored.join("\n")).toHaveLength(1);
  });
});
