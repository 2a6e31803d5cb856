// Following the status file by name, and the safety net under the watch: what no watch reports
// is still read within a second, counted and told; what is not a file is refused at once, and
// health says so in words until it is a file again.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { afterEach, describe, expect, it } from "vitest";
import { CHECK_MS, POLL_MS, REARM_UNWATCHED_MS, RESCUES_TO_POLL } from "../server/links/file-link";
import { q, sh, tempDir } from "./support/files";
import { spawnServer } from "./support/processes";
import { startServer } from "./support/server";
import { DEFAULT_FACE } from "../lib/face";
import { getJson } from "./support/http";
import { connect, expectNext, order, record, serverWithPanels, stateWhere, statesDuring } from "./support/panels";
import { tracker } from "./support/track";
import { QUIET_MS, waitFor, within } from "./support/wait";

const track = tracker();
afterEach(() => track.cleanup());

const recoveries = async (url: string, telegraph = "default") => {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(new RegExp(`^chadburn_status_watch_recoveries_total\\{telegraph="${telegraph}"\\} (\\d+)$`, "m").exec(text)?.[1]);
};
const health = async (url: string) => (await getJson(`${url}/healthz`)).body;
const missed = (logs: string[]) => logs.filter((l) => l.includes("the watch missed a change"));

type Spawned = Awaited<ReturnType<typeof spawnServer>>;
/** How many inotify watches the server may hold, set in its own user namespace while it runs. */
const limitWatches = (server: Spawned, watches: number | string) =>
  sh(`nsenter --user --target ${server.pid} sh -c 'echo ${watches} > /proc/sys/user/max_inotify_watches'`);
/** Someone raises the limit: within a try or two the status file is watched again, /healthz ok, said once. */
async function watchedAgain(server: Spawned) {
  await limitWatches(server, 8192);
  const healthy = await waitFor(
    async () => {
      const now = await health(server.url);
      return now.status === "ok" ? now : undefined;
    },
    "/healthz ok again",
    3 * REARM_UNWATCHED_MS,
  );
  expect(server.logs.filter((l) => l.includes("watched again"))).toEqual([`status file ${server.statusFile}: watched again`]);
  return healthy;
}

describe("the safety net", () => {
  it("a write the folder's watch cannot see (through a hard link elsewhere) is read within a second, logged once, counted, and degrades health", async () => {
    const {
      server,
      clients: [c],
    } = await serverWithPanels(track);
    await expectNext(c, () => writeFileSync(server.statusFile, "2\n"));
    expect(await recoveries(server.url)).toBe(0);
    expect(await statesDuring(c, QUIET_MS), "the reads after that write are over").toEqual([]);
    // inotify tells a folder's watch of changes made through that folder's names only.
    const alias = path.join(path.dirname(server.dir), "alias.eot");
    await sh(`ln ${q(server.statusFile)} ${q(alias)}`);
    const states = record(c);
    const wrote = performance.now();
    const s = await expectNext(c, () => sh(`printf '9\\n' 1<> ${q(alias)}`)); // in place, as the same inode
    const took = performance.now() - wrote;
    expect(s.order).toMatchObject(order(9, 2));
    expect(took, "a lost change costs two looks, not forever").toBeLessThan(2 * CHECK_MS + 1000);
    expect(missed(server.logs)).toHaveLength(1);
    expect(await recoveries(server.url)).toBe(1);
    const told = await waitFor(() => states.find((x) => x.links[0]?.recovered), "the recovery on the panel");
    expect(told).toEqual({
      ...s,
      version: s.version + 1,
      links: [{ link: "status-file", at: server.statusFile, state: "watching", recovered: expect.any(String) }],
    });
    expect(await health(server.url)).toMatchObject({
      status: "degraded",
      reasons: [expect.stringMatching(/^the status file's watch missed a change at .* and was re-armed$/)],
    });

    // The watch, armed again, sees the next write by itself.
    const next = await expectNext(c, () => writeFileSync(server.statusFile, "3\n"));
    expect(next.order).toMatchObject(order(3, 3));
    expect(await recoveries(server.url)).toBe(1);
  });

  it(`a share written from another machine (FUSE, bindfs, written underneath): after ${RESCUES_TO_POLL} misses it is looked at every ${POLL_MS} ms, said once`, async () => {
    // What the host writes in its own folder reaches the server's mount, but no watch there hears of it, as with NFS or SMB.
    const base = track.dir(await tempDir());
    const [underneath, share] = [path.join(base, "host"), path.join(base, "share")];
    await sh(`mkdir ${q(underneath)} ${q(share)} && echo 2 > ${q(underneath)}/status.eot && bindfs ${q(underneath)} ${q(share)}`);
    const telegraph = {
      slug: "wall",
      title: "Wall",
      face: DEFAULT_FACE,
      baud: 9600,
      statusFile: path.join(share, "status.eot"),
      acceptFile: path.join(base, "accept.eot"),
    };
    const server = await startServer({ dir: path.join(base, "data"), telegraphs: [telegraph], defaultTelegraph: "wall" });
    try {
      const { client: c, first } = track.client(await connect(server.url));
      expect(first.order).toMatchObject(order(2, 1));
      const writes = [3, 4, 5, 6, 7, 8];
      for (const [i, n] of writes.entries()) {
        const shown = stateWhere(c, (s) => s.order?.position === n);
        await sh(`echo ${n} > ${q(underneath)}/status.eot`);
        expect((await within(shown, `order ${n} on the panel`)).order).toMatchObject(order(n, i + 2));
      }
      // Each of the first ones was a miss, warned of and counted; then one line, and the rest read without a word.
      expect(missed(server.logs)).toHaveLength(RESCUES_TO_POLL);
      expect(await recoveries(server.url, "wall")).toBe(RESCUES_TO_POLL);
      expect(server.logs.filter((l) => l.includes("does not tell the watch"))).toEqual([
        `status file ${telegraph.statusFile}: its filesystem does not tell the watch of every change (${RESCUES_TO_POLL} missed in 10 minutes: a network share?); looking at it every ${POLL_MS} ms from now on`,
      ]);
      expect((await health(server.url)).links[0]).toMatchObject({ state: "watching", polled: POLL_MS });
    } finally {
      await server.stop();
      await sh(`umount ${q(share)}`);
    }
  });

  it(`no watch to be had (the system's inotify watches used up): looked at every ${POLL_MS} ms from the start, said once; watched again once watches are to be had`, async () => {
    const dir = path.join(track.dir(await tempDir()), "data");
    const server = track.server(await spawnServer(dir, { inotifyWatches: 0 }));
    const { client: c } = track.client(await connect(server.url));
    for (const [i, n] of [3, 4, 5].entries()) {
      const shown = stateWhere(c, (s) => s.order?.position === n);
      writeFileSync(server.statusFile, `${n}\n`);
      expect((await within(shown, `order ${n} on the panel`)).order).toMatchObject(order(n, i + 1));
    }
    // Not a miss of the safety net's for each write until three make it look often: looked at often from the start.
    expect(missed(server.logs)).toEqual([]);
    expect(await recoveries(server.url)).toBe(0);
    const unwatched = `ENOSPC: System limit for number of file watchers reached, watch '${dir}': raise fs.inotify.max_user_watches or max_user_instances`;
    expect(server.logs.filter((l) => l.includes("cannot be watched"))).toEqual([
      `status file ${server.statusFile}: it cannot be watched (${unwatched}); looking at it every ${POLL_MS} ms until it can`,
    ]);
    // Orders come, but someone should put the machine right: /healthz says what.
    expect(await health(server.url)).toMatchObject({
      status: "degraded",
      reasons: [`the status file cannot be watched (${unwatched}); it is looked at every ${POLL_MS} ms until it can be`],
      links: [{ state: "watching", polled: POLL_MS, unwatched }],
    });

    const healthy = await watchedAgain(server);
    expect(healthy.links).toEqual([{ link: "status-file", at: server.statusFile, state: "watching" }]);
    const shown = stateWhere(c, (s) => s.order?.position === 6);
    writeFileSync(server.statusFile, "6\n");
    expect((await within(shown, "order 6 on the panel")).order).toMatchObject(order(6, 4));
    expect(server.logs.filter((l) => l.includes("cannot be watched"))).toHaveLength(1); // the failed tries are not news
  });

  it("watches used up later, when a change needs one more (the status file made a link to a file elsewhere): looked at often, said once; watched again once watches are to be had", async () => {
    const root = track.dir(await tempDir());
    const dir = path.join(root, "data");
    const server = track.server(await spawnServer(dir, { inotifyWatches: 8192 }));
    const { client: c } = track.client(await connect(server.url));
    await expectNext(c, () => writeFileSync(server.statusFile, "3\n"));
    // The server may hold what it holds now, and no more (in its own user namespace).
    const held = (await sh(`cat /proc/${server.pid}/fdinfo/* 2>/dev/null | grep -c '^inotify wd:' || true`)).trim();
    await limitWatches(server, held);
    // A link to a file in another folder: that folder's watch is one more than it may have.
    const elsewhere = path.join(root, "elsewhere");
    const linked = stateWhere(c, (s) => s.order?.position === 4);
    await sh(`mkdir ${q(elsewhere)} && echo 4 > ${q(elsewhere)}/target.eot && ln -sf ${q(elsewhere)}/target.eot ${q(server.statusFile)}`);
    expect((await within(linked, "order 4, through the link")).order).toMatchObject(order(4, 2));
    const cannot = () => server.logs.filter((l) => l.includes("cannot be watched"));
    await waitFor(() => cannot().length > 0, "the line that says so");
    expect(cannot()).toEqual([
      expect.stringMatching(
        /: it cannot be watched \(ENOSPC: .*raise fs\.inotify\.max_user_watches or max_user_instances\); looking at it every 100 ms until it can$/,
      ),
    ]);
    expect((await health(server.url)).status).toBe("degraded");
    for (const [i, n] of [5, 6].entries()) {
      const shown = stateWhere(c, (s) => s.order?.position === n);
      writeFileSync(path.join(elsewhere, "target.eot"), `${n}\n`);
      expect((await within(shown, `order ${n}, looked at`)).order).toMatchObject(order(n, i + 3));
    }

    await watchedAgain(server);
    const shown = stateWhere(c, (s) => s.order?.position === 7);
    writeFileSync(path.join(elsewhere, "target.eot"), "7\n");
    expect((await within(shown, "order 7, watched")).order).toMatchObject(order(7, 5));
    expect(cannot()).toHaveLength(1);
  });
});

describe("by name, whatever is in its place", () => {
  it("a directory: degraded with the reason on /healthz and every panel, ok once it is a file again", async () => {
    const {
      server,
      clients: [c],
    } = await serverWithPanels(track);
    await expectNext(c, () => writeFileSync(server.statusFile, "4\n"));
    const states = record(c);
    await sh(`rm ${q(server.statusFile)} && mkdir ${q(server.statusFile)}`);
    const refused = await waitFor(() => states.find((x) => x.links[0]?.state === "error"), "the error on the panel");
    expect(refused.links[0]).toEqual({
      link: "status-file",
      at: server.statusFile,
      state: "error",
      error: "it is a directory",
      since: expect.any(String),
    });
    expect(refused.order).toMatchObject(order(4, 1));
    expect(await health(server.url)).toMatchObject({
      status: "degraded",
      reasons: [expect.stringMatching(/^status file unreadable since .*: it is a directory$/)],
    });

    const s = await expectNext(c, () => sh(`rmdir ${q(server.statusFile)} && echo 5 > ${q(server.statusFile)}`));
    expect(s.order).toMatchObject(order(5, 2));
    const ok = await waitFor(async () => {
      const now = await health(server.url);
      return now.status === "ok" && now;
    }, "health ok again");
    expect(ok).toMatchObject({ status: "ok", links: [{ link: "status-file", state: "watching" }] });
    expect(await recoveries(server.url)).toBe(0);
  });

  it("a FIFO: refused at once, without waiting for a writer to open it", async () => {
    const {
      server,
      clients: [c],
    } = await serverWithPanels(track);
    await expectNext(c, () => writeFileSync(server.statusFile, "4\n"));
    const states = record(c);
    await sh(`rm ${q(server.statusFile)} && mkfifo ${q(server.statusFile)}`);
    const refused = await waitFor(() => states.find((x) => x.links[0]?.state === "error"), "the error on the panel");
    expect(refused.links[0]).toMatchObject({ state: "error", error: "it is not a regular file" });
    // A panel's order is written over it meanwhile, as the telegraph's status.
    expect(await c.emitWithAck("order", { position: 8 })).toEqual({ ok: true });
    const s = await waitFor(() => states.find((x) => x.order?.position === 8 && x.links[0]?.state === "watching"), "the panel's order, read back");
    expect(s.order).toMatchObject({ position: 8, seq: 2, source: "panel" });
    const next = await expectNext(c, () => writeFileSync(server.statusFile, "6\n"));
    expect(next.order).toMatchObject(order(6, 3));
    expect(await recoveries(server.url)).toBe(0);
  });

  it("its folder moved away and another made in its place: the new folder's file is followed", async () => {
    const {
      server,
      clients: [c],
    } = await serverWithPanels(track);
    await expectNext(c, () => writeFileSync(server.statusFile, "4\n"));
    await sh(`mv ${q(server.dir)} ${q(`${server.dir}.old`)}`);
    const s = await expectNext(c, () => sh(`mkdir ${q(server.dir)} && echo 2 > ${q(server.statusFile)}`));
    expect(s.order).toMatchObject(order(2, 2));
    // The old folder's file is no longer the status file.
    writeFileSync(path.join(`${server.dir}.old`, "status.eot"), "9\n");
    const next = await expectNext(c, () => writeFileSync(server.statusFile, "3\n"));
    expect(next.order).toMatchObject(order(3, 3));
    expect(await recoveries(server.url)).toBe(0);
  });
});
