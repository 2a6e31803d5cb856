// The status file against a running server, changed by the tools people and scripts really use:
// an editor, the coreutils, a folder that goes away, a permission the server lacks, and a storm of
// writes; each checked by what every panel receives.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { afterEach, describe, expect, it } from "vitest";
import type { Snapshot } from "../lib/protocol";
import { q, sh, tempDir } from "./support/files";
import { getJson, getSnapshot } from "./support/http";
import { connect, expectNext, nextOnEach, order, record, seqOf, serverWithPanels, stateWhere, statesDuring } from "./support/panels";
import { spawnServer } from "./support/processes";
import { tracker } from "./support/track";
import { QUIET_MS, sleep, waitFor, within } from "./support/wait";

const track = tracker();
afterEach(() => track.cleanup());
const setup = (n?: number) => serverWithPanels(track, n);

const inode = (file: string) => statSync(file).ino;

describe("tools", () => {
  it("vim :w with its default settings: the file renamed away, a new one written", async () => {
    // vim's default 'backupskip' is /tmp/*: there it writes in place. Anywhere else, as for a real
    // data folder, 'backupcopy=auto' renames FILE to FILE~, writes a new FILE and deletes FILE~.
    const {
      server,
      clients: [c],
    } = await serverWithPanels(track, 1, "/var/tmp");
    const before = inode(server.statusFile);
    let said = "";
    const s = await expectNext(c, async () => {
      said = await sh(`vim -Es -u DEFAULTS -i NONE -c 'set backupcopy? backupskip?' -c '%d|call setline(1,"7")|w|q' ${q(server.statusFile)}`);
    });
    expect(s.order).toMatchObject(order(7, 1));
    expect(said).toMatch(/\bbackupcopy=auto\b/);
    expect(inode(server.statusFile), `vim wrote in place, not by rename (${said.trim()})`).not.toBe(before);
  });

  it("sed -i: a temp file renamed over it", async () => {
    const {
      server,
      clients: [c],
    } = await setup();
    await expectNext(c, () => writeFileSync(server.statusFile, "7\n"));
    const before = inode(server.statusFile);
    const s = await expectNext(c, () => sh(`sed -i 's/.*/8/' ${q(server.statusFile)}`));
    expect(s.order).toMatchObject(order(8, 2));
    expect(inode(server.statusFile)).not.toBe(before);
  });

  it("cp another file over it: written in place", async () => {
    const {
      server,
      clients: [c],
    } = await setup();
    const other = q(path.join(server.dir, "..", "other"));
    await sh(`echo 5 > ${other}`);
    const before = inode(server.statusFile);
    const s = await expectNext(c, () => sh(`cp ${other} ${q(server.statusFile)}`));
    expect(s.order).toMatchObject(order(5, 1));
    expect(inode(server.statusFile)).toBe(before);
  });

  it("mv another file over it, from outside the folder", async () => {
    const {
      server,
      clients: [c],
    } = await setup();
    const other = q(path.join(server.dir, "..", "other"));
    await sh(`echo 6 > ${other}`);
    const s = await expectNext(c, () => sh(`mv ${other} ${q(server.statusFile)}`));
    expect(s.order).toMatchObject(order(6, 1));
  });

  it("a host on Windows: UTF-16 with its byte order mark (PowerShell 5.1's echo 7 > file), UTF-8 with one and CRLF (Notepad)", async () => {
    const {
      server,
      clients: [c],
    } = await setup();
    const file = q(server.statusFile);
    let s = await expectNext(c, () => sh(`printf '7\\r\\n' | iconv -t UTF-16 > ${file}`));
    expect(s.order).toMatchObject(order(7, 1));
    s = await expectNext(c, () => sh(`printf '\\376\\377\\0\\063\\0\\n' > ${file}`)); // big-endian, "3\n"
    expect(s.order).toMatchObject(order(3, 2));
    s = await expectNext(c, () => sh(`printf '\\357\\273\\277COFFEE\\r\\n' > ${file}`));
    expect(s.order).toMatchObject(order(7, 3));
    // Without a mark, two bytes a character are not taken for a position: the panel is told why, the order stays.
    const shown = await expectNext(c, () => sh(`printf '8\\n' | iconv -t UTF-16LE > ${file}`));
    expect(shown.order).toEqual(s.order);
    expect(shown.links[0]).toMatchObject({ state: "error", error: "expected one position, got binary or non-ASCII text" });
  });

  it("truncate -s0, then a write 200 ms later: no state for the empty moment", async () => {
    const {
      server,
      clients: [c],
    } = await setup();
    const file = q(server.statusFile);
    await expectNext(c, () => sh(`echo 6 > ${file}`));
    await sh(`truncate -s0 ${file}`);
    expect(await statesDuring(c, 200), "states while the file is empty").toEqual([]);
    const s = await expectNext(c, () => sh(`echo 9 > ${file}`));
    expect(s.order).toMatchObject(order(9, 2));
    expect(server.logs.filter((l) => l.includes("ignored"))).toEqual([]);
  });

  it("rm, then recreated 2 s later", async () => {
    const {
      server,
      clients: [c],
    } = await setup();
    const file = q(server.statusFile);
    await expectNext(c, () => sh(`echo 1 > ${file}`));
    const before = await getSnapshot(server.url);
    await sh(`rm ${file}`);
    // Missing for longer than a writer's delete and recreate takes: panels are told, the order stays.
    const states = await statesDuring(c, 2000);
    expect(states, "states while the file is gone").toEqual([
      {
        ...before,
        version: before.version + 1,
        links: [{ link: "status-file", at: server.statusFile, state: "error", error: "it is missing", since: expect.any(String) }],
      },
    ]);
    expect((await getJson(`${server.url}/healthz`)).body).toMatchObject({
      status: "degraded",
      reasons: [expect.stringMatching(/^status file unreadable since .*: it is missing$/)],
    });
    const after = record(c);
    // Not the very next state: the shell's create and its write are two steps, and a file back but
    // still empty may first be told as no longer missing (two reads agreeing on it).
    const shown = stateWhere(c, (x) => x.order?.position === 4);
    await sh(`echo 4 > ${file}`);
    const s = await within(shown, "order 4 on the panel");
    expect(s.order).toMatchObject(order(4, 2));
    const healed = await waitFor(() => after.find((x) => x.links[0]?.state === "watching"), "the file usable again");
    expect(healed.order).toEqual(s.order);
  });

  it("the data folder deleted (rm -rf) and recreated (mkdir, then a write)", async () => {
    const {
      server,
      clients: [c],
    } = await setup();
    const file = q(server.statusFile);
    await expectNext(c, () => sh(`echo 2 > ${file}`));
    await sh(`rm -rf ${q(server.dir)}`);
    expect(await statesDuring(c, QUIET_MS), "states while the folder is gone").toEqual([]);
    await sh(`mkdir ${q(server.dir)}`);
    const s1 = await expectNext(c, () => sh(`echo 5 > ${file}`));
    expect(s1.order).toMatchObject(order(5, 2));
    const s2 = await expectNext(c, () => sh(`echo 3 > ${file}`));
    expect(s2.order).toMatchObject(order(3, 3));
  });
});

describe("read permission removed, then restored", () => {
  // The server is bound by file permissions (root's override taken away, see spawnServer). The
  // status file is the telegraph host's (nobody's), so o-r denies the server too; the writer (this
  // test) keeps root's override and writes whatever the mode.
  async function unprivilegedServer() {
    const base = track.dir(await tempDir());
    const server = track.server(await spawnServer(path.join(base, "data"), { unprivileged: true }));
    const { client } = track.client(await connect(server.url));
    // The server made the status file at start; the telegraph's host replaces it with its own.
    const mine = q(path.join(base, "status.new"));
    await expectNext(client, () => sh(`echo 7 > ${mine} && chown nobody:nogroup ${mine} && mv ${mine} ${q(server.statusFile)}`));
    return { server, client };
  }

  const permissionCycle = (deny: string, allow: string) => async () => {
    const { server, client: c } = await unprivilegedServer();
    const file = q(server.statusFile);
    const link = async () => (await getJson(`${server.url}/healthz`)).body.links[0];
    const linkIs = (state: string) =>
      waitFor(async () => {
        const now = await link();
        return now.state === state && now;
      }, `/healthz: the status file ${state}`);
    const denied = {
      link: "status-file",
      at: server.statusFile,
      state: "error",
      error: "cannot read it: permission denied",
      since: expect.any(String),
    };
    const watching = { link: "status-file", at: server.statusFile, state: "watching" };
    // Written in place, as the telegraph's host does from now on.
    expect((await expectNext(c, () => sh(`echo 8 > ${file}`))).order).toMatchObject(order(8, 2));

    // Nothing but the mode changes: no write comes after either chmod.
    const states = record(c);
    await sh(`chmod ${deny} ${file}`);
    expect(await linkIs("error")).toEqual(denied);
    expect(await waitFor(() => states.find((x) => x.links[0]?.state === "error"), "the error on the panels")).toMatchObject({ links: [denied] });
    await sh(`chmod ${allow} ${file}`);
    expect(await linkIs("watching")).toEqual(watching);

    // Written while unreadable: the order arrives once the file can be read again.
    await sh(`chmod ${deny} ${file}`);
    await linkIs("error");
    await sh(`echo 3 > ${file}`);
    expect(await statesDuring(c, QUIET_MS), "states while the file is unreadable").toEqual([]);
    const s = await expectNext(c, () => sh(`chmod ${allow} ${file}`));
    expect(s.order).toMatchObject(order(3, 3));
    expect(await link()).toEqual(watching);
    // Logged once each time it became unreadable.
    const line = `status file ${server.statusFile} ignored: ${denied.error}`;
    expect(server.logs.filter((l) => l.includes("permission denied"))).toEqual([line, line]);
  };

  it("chmod 000, then chmod 644: the error shows in /healthz, and the link recovers by itself", { timeout: 60_000 }, permissionCycle("000", "644"));
  it("chmod o-r, then chmod o+r: the same, though the owner may still read it", { timeout: 60_000 }, permissionCycle("o-r", "o+r"));
});

describe("a storm: 1,000 writes a second for 10 s by one writer process", () => {
  const WRITES = 10_000;
  const PER_SECOND = 1000;
  const LAST = 11;
  /** Between two GET /api/state while the storm blows. */
  const PROBE_EVERY_MS = 20;
  /**
   * The writer, a node process of its own: `count` writes of one position each, `perSecond` a
   * second (paced by the clock: a late timer is caught up at once), cycling 1 … 10 and ending on
   * 11. Prints how many milliseconds it took.
   */
  const WRITER = `
    const { writeFileSync } = require("node:fs");
    const [file, count, perSecond] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
    const start = performance.now();
    let i = 0;
    (function tick() {
      const due = Math.min(count, Math.floor(((performance.now() - start) * perSecond) / 1000) + 1);
      for (; i < due; i++) writeFileSync(file, (i === count - 1 ? ${LAST} : (i % 10) + 1) + "\\n");
      if (i < count) setTimeout(tick, 1);
      else console.log(Math.round(performance.now() - start));
    })();
  `;

  it("every panel ends on the last write; /api/state answers within 1 s throughout", { timeout: 60_000 }, async () => {
    const { server, clients } = await setup(3);
    const seen: Snapshot[][] = clients.map(() => []);
    const last = clients.map((c, i) => stateWhere(c, (s) => s.order?.position === LAST, seen[i]));

    const writer = spawn(process.execPath, ["-e", WRITER, server.statusFile, String(WRITES), String(PER_SECOND)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let output = "";
    writer.stdout.on("data", (chunk) => (output += chunk));
    let writing = true;
    const exited = once(writer, "exit").finally(() => (writing = false));
    const latencies: number[] = [];
    try {
      while (writing) {
        const start = performance.now();
        expect((await getJson(`${server.url}/api/state`)).status).toBe(200);
        latencies.push(performance.now() - start);
        await sleep(PROBE_EVERY_MS);
      }
    } finally {
      writer.kill(); // if a probe failed; it has exited otherwise
    }
    expect(await exited).toEqual([0, null]);
    const duringStorm = seen[0].length;
    const wroteAt = performance.now();
    const finals = await within(Promise.all(last), `the last write (${LAST}) on every panel`);
    const lag = performance.now() - wroteAt;

    for (const [i, states] of seen.entries()) {
      // Most writes are overtaken by the next before they are read; each state shown is a new order with the next seq.
      expect(states.map(seqOf)).toEqual(states.map((_, k) => k + 1));
      expect(states, "every panel sees the same states").toEqual(seen[0]);
      expect(finals[i].order).toMatchObject(order(LAST, states.length));
    }
    expect(await getSnapshot(server.url)).toEqual(finals[0]);
    // Nothing late moves off it: the next state any panel receives is the next write.
    const after = await nextOnEach(clients, () => writeFileSync(server.statusFile, "6\n"));
    for (const s of after) expect(s.order).toMatchObject(order(6, seqOf(finals[0]) + 1));

    const sorted = [...latencies].sort((a, b) => a - b);
    const ms = (x: number) => `${x.toFixed(1)} ms`;
    console.log(
      `storm: ${WRITES} writes in ${output.trim()} ms; each panel got ${seen[0].length} ` +
        `states (${duringStorm} while it wrote), the last ${ms(lag)} after it ended; ` +
        `GET /api/state ×${sorted.length}: median ${ms(sorted[sorted.length >> 1])}, worst ${ms(sorted.at(-1)!)}`,
    );
    expect(duringStorm, "states while the writer wrote: the panels followed the storm, not only its end").toBeGreaterThanOrEqual(10);
    expect(sorted.at(-1)!, "the slowest GET /api/state during the storm").toBeLessThan(1000);
  });
});
