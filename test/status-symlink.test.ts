// A status file that is a symbolic link, as a lab makes one to where its host writes (a folder of
// its own, /run, another disk): the file it leads to is followed as closely as a plain one, through
// chains and relative targets, and pointed elsewhere while the server runs. "Followed as closely"
// is checked by the safety net's silence: a write the watch did not report is still read within
// a second, but logged as a miss (status-watch.test.ts). And an accept file that is a link is
// written through, the link left in place.
import { lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { q, sh, tempDir } from "./support/files";
import { connect, expectNext, order, statesDuring } from "./support/panels";
import { type ServerOptions, startServer } from "./support/server";
import { DEFAULT_FACE } from "../lib/face";
import { tracker } from "./support/track";
import { QUIET_MS } from "./support/wait";

const track = tracker();
afterEach(() => track.cleanup());

const missed = (logs: string[]) => logs.filter((l) => l.includes("the watch missed a change"));

/** Once the reads after a change are over (the one at once and the trailing one), nothing comes: a later write is read only if the watch tells it. */
async function settled(c: Parameters<typeof statesDuring>[0]) {
  expect(await statesDuring(c, QUIET_MS), "the reads after the link changed are over").toEqual([]);
}

/**
 * A server whose status file (data/status.eot) is a link made by `link(base)` before it starts, in
 * a temp folder `base` that also holds the folders its links lead to; one panel. `options`: the
 * server's, for files elsewhere.
 */
async function linkedServer(link: (base: string, statusFile: string) => void, options: (base: string) => ServerOptions = () => ({})) {
  const base = track.dir(await tempDir());
  const dir = path.join(base, "data");
  mkdirSync(dir);
  link(base, path.join(dir, "status.eot"));
  const server = track.server(await startServer({ dir, ...options(base) }));
  const { client, first } = track.client(await connect(server.url));
  return { base, server, c: client, first };
}

/** A file holding `position`, in a folder made for it if need be. */
function fileWith(file: string, position: number): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${position}\n`);
  return file;
}

describe("a status file that is a symbolic link", () => {
  it("to a file in another folder (a relative link): every writer's change there is an order at once", async () => {
    let target = "";
    const { server, c, first } = await linkedServer((base, link) => {
      target = fileWith(path.join(base, "run", "position"), 3);
      symlinkSync("../run/position", link);
    });
    expect(first.order).toMatchObject(order(3, 1));
    await settled(c);
    // In place (a shell), renamed over (sed -i), deleted and made again, and through the link itself.
    let s = await expectNext(c, () => sh(`echo 5 > ${q(target)}`));
    expect(s.order).toMatchObject(order(5, 2));
    s = await expectNext(c, () => sh(`sed -i 's/.*/6/' ${q(target)}`));
    expect(s.order).toMatchObject(order(6, 3));
    s = await expectNext(c, () => sh(`rm ${q(target)} && echo 2 > ${q(target)}`));
    expect(s.order).toMatchObject(order(2, 4));
    s = await expectNext(c, () => writeFileSync(server.statusFile, "9\n"));
    expect(s.order).toMatchObject(order(9, 5));
    // An order from a panel goes through the link to the file the host reads; the link stays a link.
    s = await expectNext(c, async () => expect(await c.emitWithAck("order", { position: 7 })).toEqual({ ok: true }));
    expect(s.order).toMatchObject({ position: 7, seq: 6, source: "panel" });
    expect(readFileSync(target, "utf8")).toBe("7\n");
    expect(lstatSync(server.statusFile).isSymbolicLink()).toBe(true);
    expect(missed(server.logs)).toEqual([]);
  });

  it("pointed elsewhere while the server runs: the new file's order at once, then its writes; the old file's are no longer orders", async () => {
    let [a, b] = ["", ""];
    const { server, c } = await linkedServer((base, link) => {
      a = fileWith(path.join(base, "a", "position"), 3);
      b = fileWith(path.join(base, "b", "position"), 4);
      symlinkSync(a, link);
    });
    // ln -sfn makes a new link and renames it over the old one, as deploy scripts switch a link.
    let s = await expectNext(c, () => sh(`ln -sfn ${q(b)} ${q(server.statusFile)}.new && mv -T ${q(server.statusFile)}.new ${q(server.statusFile)}`));
    expect(s.order).toMatchObject(order(4, 2));
    await settled(c);
    s = await expectNext(c, () => sh(`echo 8 > ${q(b)}`));
    expect(s.order).toMatchObject(order(8, 3));
    await sh(`echo 1 > ${q(a)}`);
    expect(await statesDuring(c, QUIET_MS), "a write to the file the link left").toEqual([]);
    // ln -sf over a link: unlinked, then made again.
    s = await expectNext(c, () => sh(`ln -sf ${q(a)} ${q(server.statusFile)}`));
    expect(s.order).toMatchObject(order(1, 4));
    await settled(c);
    s = await expectNext(c, () => sh(`echo 2 > ${q(a)}`));
    expect(s.order).toMatchObject(order(2, 5));
    expect(missed(server.logs)).toEqual([]);
  });

  it("a plain file made a link and a plain file again: each time the right file's writes are orders", async () => {
    let target = "";
    const { base, server, c } = await linkedServer((base, file) => {
      target = fileWith(path.join(base, "run", "position"), 6);
      writeFileSync(file, "3\n");
    });
    let s = await expectNext(c, () => sh(`ln -sf ${q(target)} ${q(server.statusFile)}`));
    expect(s.order).toMatchObject(order(6, 2));
    await settled(c);
    s = await expectNext(c, () => sh(`echo 9 > ${q(target)}`));
    expect(s.order).toMatchObject(order(9, 3));
    // A file written beside it and renamed over the link, as write-file-atomic would.
    const fresh = fileWith(path.join(base, "data", "status.eot.tmp"), 4);
    s = await expectNext(c, () => sh(`mv ${q(fresh)} ${q(server.statusFile)}`));
    expect(s.order).toMatchObject(order(4, 4));
    await settled(c);
    await sh(`echo 5 > ${q(target)}`);
    expect(await statesDuring(c, QUIET_MS), "a write to the file the link led to").toEqual([]);
    s = await expectNext(c, () => sh(`echo 10 > ${q(server.statusFile)}`));
    expect(s.order).toMatchObject(order(10, 5));
    expect(missed(server.logs)).toEqual([]);
  });

  it("a chain of links, the one in the middle pointed elsewhere: the file at its end is followed", async () => {
    let [middle, a, b] = ["", "", ""];
    const { server, c, first } = await linkedServer((base, link) => {
      a = fileWith(path.join(base, "disk-a", "position"), 3);
      b = fileWith(path.join(base, "disk-b", "position"), 5);
      middle = path.join(base, "current", "position");
      mkdirSync(path.dirname(middle));
      symlinkSync(a, middle);
      symlinkSync(middle, link);
    });
    expect(first.order).toMatchObject(order(3, 1));
    await settled(c);
    let s = await expectNext(c, () => sh(`echo 4 > ${q(a)}`));
    expect(s.order).toMatchObject(order(4, 2));
    s = await expectNext(c, () => sh(`ln -sfn ${q(b)} ${q(middle)}`));
    expect(s.order).toMatchObject(order(5, 3));
    await settled(c);
    s = await expectNext(c, () => sh(`echo 6 > ${q(b)}`));
    expect(s.order).toMatchObject(order(6, 4));
    expect(missed(server.logs)).toEqual([]);
  });

  it("in a folder that is a link, switched to another folder (ln -sfn, as releases are): the new folder's file is followed", async () => {
    let [v1, v2, current] = ["", "", ""];
    const { server, c, first } = await linkedServer(
      (base) => {
        v1 = fileWith(path.join(base, "v1", "status.eot"), 3);
        v2 = fileWith(path.join(base, "v2", "status.eot"), 5);
        current = path.join(base, "current");
        symlinkSync(path.dirname(v1), current);
      },
      (base) => ({
        telegraphs: [
          {
            slug: "wall",
            title: "Wall",
            face: DEFAULT_FACE,
            baud: 9600,
            statusFile: path.join(base, "current", "status.eot"),
            acceptFile: path.join(base, "accept.eot"),
          },
        ],
        defaultTelegraph: "wall",
      }),
    );
    expect(first.order).toMatchObject(order(3, 1));
    await settled(c);
    let s = await expectNext(c, () => sh(`echo 4 > ${q(v1)}`));
    expect(s.order).toMatchObject(order(4, 2));
    s = await expectNext(c, () => sh(`ln -sfn ${q(path.dirname(v2))} ${q(current)}.new && mv -T ${q(current)}.new ${q(current)}`));
    expect(s.order).toMatchObject(order(5, 3));
    await settled(c);
    s = await expectNext(c, () => sh(`echo 6 > ${q(v2)}`));
    expect(s.order).toMatchObject(order(6, 4));
    await sh(`echo 1 > ${q(v1)}`);
    expect(await statesDuring(c, QUIET_MS), "a write in the folder the link left").toEqual([]);
    expect(missed(server.logs)).toEqual([]);
  });

  it("an accept file that is a link to a file not made yet: each answer is written to the file it leads to, and the link stays", async () => {
    let answers = "";
    const { server, c } = await linkedServer((base, statusFile) => {
      writeFileSync(statusFile, "3\n");
      answers = path.join(base, "run", "answer");
      mkdirSync(path.dirname(answers));
      symlinkSync(answers, path.join(path.dirname(statusFile), "accept.eot"));
    });
    expect(await c.emitWithAck("answer", { position: 3, by: "Ann" })).toEqual({ ok: true });
    expect(readFileSync(answers, "utf8")).toBe("3\n");
    expect(lstatSync(path.join(server.dir, "accept.eot")).isSymbolicLink()).toBe(true);
  });
});
