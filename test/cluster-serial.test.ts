// A telegraph on a serial line with several nodes (issue 17): only the writer holds the port (the
// others cannot open it while it does), an answer given on another node goes down the line, and a
// line the telegraph sent to a writer that was stopped past its lease is not lost when it wakes:
// it asks the new writer, which takes the port once the old one lets it go.
import { describe, expect, it } from "vitest";
import type { Snapshot } from "../lib/protocol";
import { openEnd } from "../sim/pty";
import { NO_LONGER, WRITER, clusterSuite } from "./support/cluster";
import { ptyPair } from "./support/files";
import { type Client, record, seqOf, stateWhere } from "./support/panels";
import { Telegraph } from "./support/telegraph-end";
import { waitFor, within } from "./support/wait";

const suite = clusterSuite();
const { track, dir, panelOf } = suite;

/** A node on the telegraph's serial line `device`. */
const node = (device: string) => suite.node(["--serial", device]);

const everywhere = (panels: Client[], test: (s: Snapshot) => boolean, what: string) =>
  within(Promise.all(panels.map((panel) => stateWhere(panel, test))), what, 15_000);

describe("a serial telegraph on several nodes", { timeout: 60_000 }, () => {
  it("is held by the writer alone, and a line sent to a writer stopped past its lease reaches the new writer once", async () => {
    const pty = track.pty(await ptyPair(dir()));
    const telegraph = new Telegraph(openEnd(pty.b));
    const a = await node(pty.a);
    await waitFor(() => a.logs.includes(WRITER) || null, "the first node writes", 10_000);
    const b = await node(pty.a);
    const panels = [await panelOf(a), await panelOf(b)];
    const held = panels.map(record);

    const hello = everywhere(panels, (s) => s.telegraph.connected && s.telegraph.name === "chadburn-test", "the telegraph connected");
    await telegraph.write("HELLO chadburn-test 1.0\n");
    await hello;
    const seven = everywhere(panels, (s) => s.order?.position === 7, "order 7");
    await telegraph.write("ORDER 7\n");
    expect((await seven).map(seqOf)).toEqual([1, 1]);
    // An answer on the node that is not the writer goes down the writer's line.
    const heard = telegraph.heard.length;
    expect(await panels[1].emitWithAck("answer", { position: 7 })).toEqual({ ok: true });
    await telegraph.line("ANSWER 7", heard);

    // The writer stopped: b takes the lease, but not the port, which a still holds.
    process.kill(a.pid, "SIGSTOP");
    await waitFor(() => b.logs.includes(WRITER) || null, "the other node writes", 8000);
    // The telegraph's next order goes to the port's holder, stopped: it waits in the line.
    const eight = everywhere([panels[1]], (s) => s.order?.position === 8, "order 8 on the new writer's panel");
    await telegraph.write("ORDER 8\n");
    const before = telegraph.heard.length;
    process.kill(a.pid, "SIGCONT");
    expect((await eight).map(seqOf)).toEqual([2]); // asked of the new writer by the woken one
    await waitFor(() => a.logs.includes(NO_LONGER) || null, "the woken node to stop writing", 5000);
    // The new writer has the port once the old let it go: it says the current answer there, and reads the next order.
    await telegraph.line("ANSWER 7", before);
    const nine = everywhere(panels, (s) => s.order?.position === 9, "order 9");
    await telegraph.write("ORDER 9\n");
    expect((await nine).map(seqOf)).toEqual([3, 3]);
    // Each order once, in order, on every panel (the woken node's panel follows the new writer).
    const positions: Record<number, number> = { 1: 7, 2: 8, 3: 9 };
    for (const states of held) {
      const seqs = states.map(seqOf);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      for (const { order } of states) if (order) expect(order.position).toBe(positions[order.seq]);
    }
  });
});
