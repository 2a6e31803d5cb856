// Following the server's snapshot: which changes apply, which are old news, and when a client must
// ask for the snapshot again (the whole rules, applied, are held to the core's in
// server/telegraph/change.test.ts).
import { describe, expect, it } from "vitest";
import { follow, follower } from "./change";
import { DEFAULT_FACE } from "./face";
import type { Change, Order, Reply, Snapshot } from "./protocol";

const SNAPSHOT: Snapshot = {
  order: null,
  answer: null,
  acknowledged: false,
  answered: 0,
  face: DEFAULT_FACE,
  telegraph: { link: "status-file", connected: true, since: "2026-01-01T09:00:00.000Z" },
  history: [],
  links: [],
  epoch: "e1",
  version: 4,
};
const orderOf = (seq: number): Order => ({ position: 7, name: "coffee", label: "COFFEE", seq, at: "2026-01-01T10:00:00.000Z", source: "telegraph" });
const ordered = (version: number, seq = version, epoch = "e1"): Change => ({ version, epoch, order: orderOf(seq) });

describe("follow", () => {
  it("applies the next change", () => {
    expect(follow(SNAPSHOT, ordered(5))).toEqual({
      snapshot: { ...SNAPSHOT, version: 5, order: orderOf(5), history: [{ order: orderOf(5), answer: null }] },
    });
  });

  it("ignores a change the snapshot already holds", () => {
    expect(follow(SNAPSHOT, ordered(4))).toBeNull();
    expect(follow(SNAPSHOT, ordered(1))).toBeNull();
  });

  it("asks for the snapshot on a gap, on another store's change, and before it has one", () => {
    expect(follow(SNAPSHOT, ordered(7))).toEqual({ ask: "missed changes 5 to 6" });
    expect(follow(SNAPSHOT, ordered(5, 5, "e2"))).toEqual({ ask: "a change of another store (epoch e2)" });
    expect(follow(SNAPSHOT, ordered(1, 1, "e2"))).toEqual({ ask: "a change of another store (epoch e2)" }); // even an "old" one
    expect(follow(null, ordered(5))).toEqual({ ask: "no snapshot yet" });
  });
});

describe("follower", () => {
  function rig() {
    const shown: Snapshot[] = [];
    const asks: ((reply: Reply) => void)[] = [];
    const f = follower(
      (reply) => asks.push(reply),
      (s) => shown.push(s),
    );
    return { f, shown, asks };
  }

  it("asks once on a gap, drops the changes until the snapshot comes, then follows from it", () => {
    const { f, shown, asks } = rig();
    f.state(SNAPSHOT);
    f.change(ordered(6)); // 5 never came
    f.change(ordered(7));
    expect(asks).toHaveLength(1);
    asks[0]({ ok: true });
    f.change(ordered(8)); // still waiting: the snapshot asked for holds it
    expect(asks).toHaveLength(1);
    f.state({ ...SNAPSHOT, version: 8, order: orderOf(8) });
    f.change(ordered(8)); // in the snapshot already
    f.change(ordered(9));
    expect(shown.map((s) => [s.version, s.order?.seq])).toEqual([
      [4, undefined],
      [8, 8],
      [9, 9],
    ]);
  });

  it("asks again on the next change when the server refused the ask", () => {
    const { f, asks } = rig();
    f.state(SNAPSHOT);
    f.change(ordered(6));
    asks[0]({ ok: false, error: "too many requests: at most 2 a second" });
    f.change(ordered(7));
    expect(asks).toHaveLength(2);
  });
});
