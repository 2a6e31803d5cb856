// The telegraph's side as two files: it writes its order into the status file, which we watch;
// we write answers into the accept file. Orders from elsewhere are written into the status file
// too, so it always holds the current order; the watch sees those writes too, and this link drops
// them (our own echo) before they reach the core.
import type { Face, LinkHealth } from "../../lib/protocol";
import type { Logger } from "../log";
import type { LinkEvents, TelegraphLink } from "./link";
import { type FileRead, fingerprintOf, readPositionFile, writePositionFile } from "./position-file";
import { coalesce } from "./coalesce";
import { watchFile } from "./watch-file";

/**
 * Reading once more after a quiet spell makes the last write always win, whatever the events
 * said. Every event the OS reports for the file starts a read, and one that comes during a read
 * makes it read once more (watch-file.ts), so this is insurance: it was needed while the watch
 * listened to chokidar's `change`, which drops one that follows the previous within 50 ms. Not a
 * settle delay: the first read happens at once.
 */
const TRAILING_READ_MS = 60;
/** Quick re-reads of an empty or unreadable file stop doubling here. */
const MAX_RETRY_MS = 32;
/**
 * The safety net looks at the path this often (a stat: no read, no folder read). A change the
 * watch did not report is seen at two looks in a row, so a lost watch costs at most 2 × this.
 */
export const CHECK_MS = 400;
/**
 * This many changes missed by the watch within RESCUES_WITHIN_MS say the filesystem does not tell
 * its watches of every change (a network share written from another machine: NFS, SMB, a VM's
 * shared folder), not that a watch was lost: from then on the path is looked at every POLL_MS and
 * read at the first look that differs, without a warning for each write.
 */
export const RESCUES_TO_POLL = 3;
const RESCUES_WITHIN_MS = 10 * 60_000;
export const POLL_MS = 100;
/** What arming a watch fails with when the system's watches or inotify instances are used up. */
const OUT_OF_WATCHES = ["ENOSPC", "EMFILE", "ENFILE"];
/** While no watch can be armed, it is tried again this often: someone may have raised the limit, or freed watches. */
export const REARM_UNWATCHED_MS = 5000;
const MISSING = "it is missing";

export function openFileLink(
  options: LinkEvents & {
    statusFile: string;
    acceptFile: string;
    face: Face;
    log: Logger;
    /** The safety net found a change the watch had not reported. */
    onRecovery?: () => void;
  },
): TelegraphLink {
  const { statusFile: file, acceptFile, face, log, onOrder, onHealth } = options;
  let error: { why: string; since: string } | undefined;
  let recovered: string | undefined;
  /** When the safety net last found changes the watch had missed (RESCUES_TO_POLL at most). */
  let rescues: number[] = [];
  /** The filesystem has shown that it does not tell the watch of every change: looked at every POLL_MS for good. */
  let missesEvents = false;
  /** Why no watch can be armed (the system's watches used up): looked at every POLL_MS until one can. */
  let unwatched: string | undefined;
  /** Arms that failed, for whatever reason, and when the last try to arm one was while none could be. */
  let armFailures = 0;
  let triedAt = 0;
  const polled = () => missesEvents || unwatched !== undefined;
  const health = (): LinkHealth => ({
    link: "status-file",
    at: file,
    state: error ? "error" : "watching",
    ...(error && { error: error.why, since: error.since }),
    ...(recovered && { recovered }),
    ...(polled() && { polled: POLL_MS }),
    ...(unwatched && { unwatched }),
  });
  /** Why the file is refused, or undefined once it reads again: logged and told once per change. */
  function refuse(why: string | undefined): void {
    if (why === error?.why) return;
    if (why) log.warn(`status file ${file} ignored: ${why}`);
    error = why ? { why, since: new Date().toISOString() } : undefined;
    onHealth(health());
  }
  // Our own writes: a read must not overlap one, or it may see the old order and bring it back;
  // and what we wrote, read back, is our echo, not an order (until the file says something else).
  let writing: Promise<void> | undefined;
  let ours: number | undefined;
  let trailing: NodeJS.Timeout | undefined;

  // Empty or unreadable content is often a writer caught between truncate and write, whose own
  // event may have been merged with the truncate's: read again after 1, 2, 4 … ms. An error is
  // reported once two reads in a row agree on it, so a half-written moment is never logged.
  let unsettled: string | undefined;
  let retryMs = 0;
  let retry: NodeJS.Timeout | undefined;

  /** What the path was at the last read, and since when it has been missing. */
  let lastSeen = "";
  /** The last read told as an order: the path's fingerprint and the position. */
  let reported: string | undefined;
  let absentSince: number | undefined;

  function settle(result: FileRead): void {
    if (result.kind === "absent") {
      absentSince ??= Date.now(); // only an absence that lasts is an error (the safety net says so): writers delete and recreate
      return;
    }
    absentSince = undefined;
    // There again, but no position yet: said at once for an error, for an empty file once two reads
    // agree (a writer's create and its write are two events: its position clears it below, after the order).
    if (error?.why === MISSING && (result.kind === "error" || (result.kind === "empty" && unsettled === ""))) refuse(undefined);
    if (result.kind === "position") {
      unsettled = undefined;
      // Our own write read back is no order; anything else is, and ends the echo.
      if (result.position.position === ours) log.debug(`status file ${file}: our own write of ${ours} read back`);
      else {
        ours = undefined;
        // The same file read again (a writer's second event, the trailing read) is told once.
        const told = `${result.seen} ${result.position.position}`;
        if (told !== reported) onOrder(result.position);
        reported = told;
      }
      refuse(undefined);
      return;
    }
    const seen = result.kind === "empty" ? "" : result.error;
    if (seen && seen === unsettled) return refuse(seen);
    unsettled = seen;
    if (retryMs >= MAX_RETRY_MS) return;
    retryMs = retryMs ? retryMs * 2 : 1;
    clearTimeout(retry);
    retry = setTimeout(() => void read(), retryMs);
  }

  // Once no write of ours is under way, the read is synchronous (position-file.ts): none can start meanwhile.
  const reader = coalesce(async () => {
    while (writing) await writing.catch(() => {});
    const result = readPositionFile(file, face);
    lastSeen = result.seen;
    settle(result);
  });
  const read = reader.run;

  /** Watch events so far: the safety net tells a change the watch missed from one it is about to report. */
  let events = 0;
  /**
   * The read (and so the order's broadcast) comes at once, in the watch's callback, ahead of the
   * receipts and pings that came in meanwhile (read after them, at the end of the loop's turn, it
   * waited for them: 5,000 real panels' p99 186 → 140 ms, docs/performance.md). But once per turn
   * of the event loop: libuv reads the watch's events until there are none, so a broadcast to
   * 10,000 panels (300 ms) inside it let the next writes' events in one after another, and timers,
   * receipts and pings waited for as long as the writes came faster than the broadcasts (5 s in the
   * benchmark). An event in a turn that has read already is read in the next turn's timers, before
   * its I/O.
   */
  let readThisTurn = false;
  let soon: NodeJS.Timeout | undefined;
  const turnEnds = () => (readThisTurn = false);
  function readNow(): void {
    clearTimeout(soon);
    soon = undefined;
    if (!readThisTurn) setImmediate(turnEnds);
    readThisTurn = true;
    void read();
  }
  function changed(): void {
    events++;
    retryMs = 0;
    clearTimeout(retry); // this event's read replaces a re-read still waiting
    if (!readThisTurn) readNow();
    else soon ??= setTimeout(readNow, 0);
    clearTimeout(trailing);
    trailing = setTimeout(() => void read(), TRAILING_READ_MS);
  }

  let every = CHECK_MS;
  let checker = setInterval(() => void check(), every).unref();
  /** Looks at the path every POLL_MS while it is polled, else every CHECK_MS. */
  function pace(): void {
    const next = polled() ? POLL_MS : CHECK_MS;
    if (next === every) return;
    every = next;
    clearInterval(checker);
    checker = setInterval(() => void check(), every).unref();
  }

  const watch = watchFile(file, changed, (e) => {
    armFailures++;
    // Out of watches (inotify's limits, per user): no watch will tell of a write until some are freed, so look at it often.
    if (!OUT_OF_WATCHES.includes((e as NodeJS.ErrnoException).code ?? "")) return log.error(`watching ${file}: ${e.message}`);
    if (unwatched) return; // a try again that failed: said already
    unwatched = `${e.message}: raise fs.inotify.max_user_watches or max_user_instances`;
    triedAt = Date.now();
    log.warn(`status file ${file}: it cannot be watched (${unwatched}); looking at it every ${POLL_MS} ms until it can`);
    pace();
    onHealth(health());
  });

  /** Tries again to arm the watch, at most every REARM_UNWATCHED_MS while none can be: back to the watch once one is. */
  async function watchAgain(): Promise<void> {
    if (!unwatched || Date.now() - triedAt < REARM_UNWATCHED_MS) return;
    triedAt = Date.now();
    const failed = armFailures;
    await watch.rearm();
    if (armFailures !== failed) return;
    unwatched = undefined;
    log.info(`status file ${file}: watched again`);
    pace();
    onHealth(health());
  }

  // The safety net: a path that differs from the last read at two looks in a row, with no watch
  // event between them, is a change the watch missed (a lost watch, a write through a hard link
  // elsewhere): read it, arm the watch anew, and say so once.
  let suspect: { seen: string; events: number } | undefined;
  let checking = false;
  async function check(): Promise<void> {
    if (checking || reader.running) return;
    checking = true;
    try {
      await watchAgain();
      const now = await fingerprintOf(file);
      if (polled() && now !== lastSeen && !reader.running) return await read();
      if (now === lastSeen || reader.running) {
        suspect = undefined;
        if (now === "absent" && absentSince !== undefined && Date.now() - absentSince >= CHECK_MS) refuse(MISSING);
        return;
      }
      if (suspect?.seen !== now || suspect.events !== events) {
        suspect = { seen: now, events };
        return;
      }
      suspect = undefined;
      recovered = new Date().toISOString();
      log.warn(`status file ${file}: the watch missed a change; read it and re-armed the watch`);
      options.onRecovery?.();
      rescues = [...rescues, Date.now()].filter((at) => Date.now() - at < RESCUES_WITHIN_MS).slice(-RESCUES_TO_POLL);
      if (rescues.length === RESCUES_TO_POLL && !missesEvents) {
        missesEvents = true;
        log.warn(
          `status file ${file}: its filesystem does not tell the watch of every change (${RESCUES_TO_POLL} missed in ${RESCUES_WITHIN_MS / 60_000} minutes: a network share?); looking at it every ${POLL_MS} ms from now on`,
        );
        pace();
      }
      await watch.rearm();
      await read(); // the order first, then the news that the watch had missed it
      onHealth(health());
    } finally {
      checking = false;
    }
  }

  return {
    name: "status-file",
    // Ready once the file has been read: the server starts with the order it holds.
    ready: watch.ready.then(read),
    health,
    tellAnswer: (position) => writePositionFile(acceptFile, position),
    async tellOrder(position) {
      ours = position;
      const done = writePositionFile(file, position).finally(() => {
        if (writing === done) writing = undefined;
      });
      writing = done;
      await done;
    },
    async close() {
      clearInterval(checker);
      clearTimeout(trailing);
      clearTimeout(retry);
      clearTimeout(soon);
      await watch.close();
      // Orders from the serial line are not awaited by anyone: the status file must hold the last before we are closed.
      while (writing) await writing.catch(() => {});
    },
  };
}
