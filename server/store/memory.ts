// The telegraph's memory across restarts and crashes, in the store: every order, answer and expiry
// as a row of `events` (who gave it, from where), and the current order, answer and last seq in the
// one row of `telegraph`; both in one transaction, written before any panel sees the change. The
// first start imports the previous version's journal.jsonl.
import { chmodSync, existsSync, readFileSync, renameSync } from "node:fs";
import path from "node:path";
import { type AuditEntry, HISTORY_LENGTH, type LinkName, type PastOrder } from "../../lib/protocol";
import { DEFAULT_SLUG } from "../../lib/telegraphs";
import type { Logger } from "../log";
import { type Fact, type From, type Kept, type Remembered, type TelegraphState, initial, keptOf, replay } from "../telegraph/telegraph";
import { type Batched, inBatches } from "../history/batches";
import { rollUp } from "../history/rollups";
import type { Store } from "./store";

/** The previous version's memory in the data folder: imported on the first start, then renamed aside. */
export const JOURNAL_FILE = "journal.jsonl";

/** How long and how many events are kept (--keep-events-days, --keep-events). */
export interface Retention {
  keepEvents: number;
  keepEventsDays: number;
}
export const RETENTION: Retention = { keepEvents: 1_000_000, keepEventsDays: 90 };

const PRUNE_EVERY_MS = 3600 * 1000;

/** Who gave a change and from where, as far as known; `link`: the link an order from the telegraph came through. */
export type Origin = From & { link?: LinkName };

export interface Memory {
  /** What the store held when opened, any journal.jsonl imported. */
  readonly remembered: Remembered;
  /** Keeps an order, answer or expiry: its event, and `state` (the core's state after it), in one transaction. */
  keep(fact: Fact, state: TelegraphState): void;
  /**
   * Rolls up the orders nobody can answer any more (server/history/rollups.ts), then deletes events
   * past the retention, a batch per event-loop turn; never those the history needs.
   */
  prune(now?: Date): Promise<Batched>;
  /** Stops pruning; the store itself is closed by its owner. */
  close(): void;
}

interface StateRow {
  epoch: string;
  seq: number;
  current_order: string | null;
  answer: string | null;
  journal_imported: string | null;
}

interface EventRow {
  id: number;
  at: string;
  kind: "order" | "answer" | "expire";
  seq: number;
  position: number | null;
  given_by: string | null;
  who: string | null;
  address: string | null;
  source: string | null;
  link: string | null;
  acknowledges: number;
  data: string;
}

const json = (text: string | null) => (text === null ? null : JSON.parse(text));

/** The event row of a change; `acknowledges`: the answer is the first to acknowledge its order. */
function eventOf(change: Kept, origin: Origin, acknowledges = false) {
  const common = {
    who: origin.who ?? null,
    address: origin.address ?? null,
    link: origin.link ?? null,
    answerer: null,
    given_by: null,
    position: null,
    acknowledges: 0,
  };
  if ("order" in change) {
    const { order } = change;
    const { at, seq, position, by, source } = order;
    return { ...common, at, kind: "order", seq, position, given_by: by ?? null, source, data: JSON.stringify(order) };
  }
  if ("answer" in change) {
    const { answer, answerer } = change;
    const { at, seq, position, by } = answer;
    return {
      ...common,
      at,
      kind: "answer",
      seq,
      position,
      given_by: by ?? null,
      answerer: answerer ?? null,
      source: origin.source ?? null,
      acknowledges: acknowledges ? 1 : 0,
      data: JSON.stringify(answer),
    };
  }
  const { seq, at } = change.expire;
  return { ...common, at, kind: "expire", seq, source: null, data: JSON.stringify(change.expire) };
}

/** The previous version's journal lines that hold a change; a torn or foreign line is counted, not kept. */
function parseJournal(text: string): { changes: Kept[]; skipped: number } {
  const lines = text.split("\n").filter(Boolean);
  const changes: Kept[] = [];
  const stamped = (o: unknown): o is { seq: number; at: string } =>
    typeof o === "object" && o !== null && Number.isInteger((o as { seq: unknown }).seq) && typeof (o as { at: unknown }).at === "string";
  const placed = (o: unknown) => stamped(o) && Number.isInteger((o as { position?: unknown }).position);
  for (const line of lines) {
    try {
      const entry = JSON.parse(line);
      if (placed(entry?.order) || placed(entry?.answer) || stamped(entry?.expire)) changes.push(entry);
    } catch {
      // a line cut short by a crash: skipped, and counted below
    }
  }
  return { changes, skipped: lines.length - changes.length };
}

export function openMemory(
  store: Store,
  options: {
    dataDir: string;
    log: Logger;
    telegraph?: string;
    retention?: Partial<Retention>;
    schedule?: boolean;
    /** Imports the previous version's journal.jsonl (it had the one telegraph): the server's default's; the "default" slug's unless told. */
    journal?: boolean;
  },
): Memory {
  const { dataDir, log } = options;
  /** Whose memory this is: every statement below reads and writes this telegraph's rows only. */
  const telegraph = options.telegraph ?? DEFAULT_SLUG;
  store.prepare("INSERT OR IGNORE INTO telegraphs (slug, epoch, seq) VALUES (?, lower(hex(randomblob(16))), 0)").run(telegraph);
  const retention: Retention = {
    keepEvents: options.retention?.keepEvents ?? RETENTION.keepEvents,
    keepEventsDays: options.retention?.keepEventsDays ?? RETENTION.keepEventsDays,
  };
  const insertEvent =
    store.prepare(`INSERT INTO events (telegraph, at, kind, seq, position, given_by, answerer, who, address, source, link, acknowledges, data)
    VALUES (@telegraph, @at, @kind, @seq, @position, @given_by, @answerer, @who, @address, @source, @link, @acknowledges, @data)`);
  const insert = { run: (row: ReturnType<typeof eventOf>) => insertEvent.run({ ...row, telegraph }) };
  const update = store.prepare("UPDATE telegraphs SET seq = ?, current_order = ?, answer = ? WHERE slug = ?");
  const readState = store.prepare<[string], StateRow>("SELECT epoch, seq, current_order, answer, journal_imported FROM telegraphs WHERE slug = ?");
  /** The orders of the history, newest first: they, and every event after the oldest, are never pruned. */
  const historyOrders = store.prepare<[string, number], { id: number; data: string }>(
    "SELECT id, data FROM events WHERE telegraph = ? AND kind = 'order' ORDER BY seq DESC LIMIT ?",
  );

  const save = (state: TelegraphState) =>
    update.run(state.seq, state.order && JSON.stringify(state.order), state.answer && JSON.stringify(state.answer), telegraph);
  const write = store.transaction((change: Kept, state: TelegraphState, origin: Origin, acknowledges: boolean) => {
    insert.run(eventOf(change, origin, acknowledges));
    save(state);
  });

  function load(): Remembered {
    const row = readState.get(telegraph)!;
    const history: PastOrder[] = historyOrders
      .all(telegraph, HISTORY_LENGTH)
      .reverse()
      .map((o) => ({ order: JSON.parse(o.data), answer: null }));
    const bySeq = new Map(history.map((past) => [past.order.seq, past]));
    const marks = store.prepare<[string, number], EventRow>(
      "SELECT kind, seq, at, data FROM events WHERE telegraph = ? AND kind IN ('answer', 'expire') AND seq >= ? AND (kind = 'expire' OR acknowledges = 1) ORDER BY id",
    );
    for (const { kind, seq, at, data } of history.length ? marks.all(telegraph, history[0].order.seq) : []) {
      const past = bySeq.get(seq);
      if (past && kind === "expire") past.expired = at;
      else if (past && !past.answer) past.answer = JSON.parse(data);
    }
    const order = json(row.current_order);
    // Each answerer's latest answer to the current order: a quorum counts them.
    const votes: Record<string, number> = {};
    if (order) {
      const latest = store.prepare<
        [string, number],
        { answerer: string; position: number }
      >(`SELECT coalesce(answerer, '') AS answerer, position FROM events
        WHERE id IN (SELECT max(id) FROM events WHERE telegraph = ? AND kind = 'answer' AND seq = ? GROUP BY coalesce(answerer, ''))`);
      for (const { answerer, position } of latest.all(telegraph, order.seq)) votes[answerer] = position;
    }
    return { epoch: row.epoch, seq: row.seq, order, answer: json(row.answer), votes, history };
  }

  /**
   * journal.jsonl, into a store that has no memory yet: its changes replayed into events and state
   * in one transaction, noted as imported, then the file renamed aside.
   */
  function importJournal(): void {
    if (!(options.journal ?? telegraph === DEFAULT_SLUG)) return;
    const file = path.join(dataDir, JOURNAL_FILE);
    if (!existsSync(file)) return;
    const aside = `${file}.imported`;
    const setAside = () => {
      try {
        if (existsSync(aside)) log.warn(`${file} left where it is: ${aside} exists`);
        else renameSync(file, aside);
      } catch (error) {
        log.warn(`${file} left where it is: ${(error as Error).message}`); // imported all the same, and noted so
      }
      // The previous version wrote it 0644: every order, and by whom.
      for (const left of [file, aside].filter((f) => existsSync(f))) {
        try {
          chmodSync(left, 0o600);
        } catch {
          // not ours to narrow: the data folder's own mode still guards it
        }
      }
    };
    const { journal_imported, seq } = readState.get(telegraph)!;
    if (journal_imported || seq > 0 || store.prepare("SELECT 1 FROM events WHERE telegraph = ? LIMIT 1").get(telegraph)) {
      log.warn(`${file} not imported: the store has ${journal_imported ? "imported it already" : "a memory of its own"}`);
      return setAside();
    }
    const { changes, skipped } = parseJournal(readFileSync(file, "utf8"));
    if (skipped) log.warn(`journal ${file}: skipped ${skipped} unreadable line(s)`);
    let state: TelegraphState = { ...initial([], { link: "status-file", connected: true, since: "" }), ...load() };
    store.transaction(() => {
      for (const change of changes) {
        state = replay(state, change);
        const fromTelegraph = "order" in change && change.order.source === "telegraph";
        // The core keeps the very answer that acknowledged an order beside it in the history.
        const acknowledges = "answer" in change && state.history.some((past) => past.answer === change.answer);
        insert.run(eventOf(change, { ...(fromTelegraph && { who: "telegraph" }), address: JOURNAL_FILE }, acknowledges));
      }
      save(state);
      store.prepare("UPDATE telegraphs SET journal_imported = ? WHERE slug = ?").run(new Date().toISOString(), telegraph);
    })();
    setAside();
    log.info(`imported ${changes.length} orders, answers and expiries from ${file} (now ${aside}); last seq ${state.seq}`);
  }

  importJournal();
  const remembered = load();

  let closed = false;
  let pruning: Promise<Batched> | undefined;
  // Oldest first along (telegraph, at), whose entries end with the id: sorting the telegraph's events by id took 70 ms a batch in a year's.
  const deleteBatch = store.prepare("DELETE FROM events WHERE id IN (SELECT id FROM events WHERE telegraph = ? AND id <= ? ORDER BY at, id LIMIT ?)");

  /**
   * This telegraph's newest event that may go: past the count or the age, older than the history's
   * oldest order, and rolled up (`rolled`: the last seq rolled up, server/history/rollups.ts).
   */
  function pruneBound(now: Date, rolled: number): number {
    const newest = store.prepare("SELECT max(id) FROM events WHERE telegraph = ?").pluck().get(telegraph) as number | null;
    if (newest === null) return 0;
    const cutoff = new Date(now.getTime() - retention.keepEventsDays * 86_400_000).toISOString();
    // Events are written in time order, so everything before the newest too old one is older still.
    const old =
      (store.prepare("SELECT id FROM events WHERE telegraph = ? AND at < ? ORDER BY at DESC, id DESC LIMIT 1").pluck().get(telegraph, cutoff) as
        number | undefined) ?? 0;
    const beyondCount =
      (store
        .prepare("SELECT id FROM events WHERE telegraph = ? ORDER BY at DESC, id DESC LIMIT 1 OFFSET ?")
        .pluck()
        .get(telegraph, retention.keepEvents) as number | undefined) ?? 0;
    const kept = historyOrders.all(telegraph, HISTORY_LENGTH).at(-1)?.id ?? newest + 1;
    const unrolled =
      (store.prepare("SELECT min(id) FROM events WHERE telegraph = ? AND kind = 'order' AND seq > ?").pluck().get(telegraph, rolled) as
        number | null) ?? newest + 1;
    return Math.min(Math.max(beyondCount, old), kept - 1, unrolled - 1);
  }

  async function run(now: Date): Promise<Batched> {
    const bound = pruneBound(now, await rollUp(store, telegraph)); // the days' statistics first: they stay
    const result =
      bound > 0
        ? await inBatches(
            (size) => deleteBatch.run(telegraph, bound, size).changes,
            () => closed,
          )
        : { rows: 0, batches: 0, slowest: 0 };
    if (result.rows) log.info(`store: pruned ${result.rows} old events in ${result.batches} batches (slowest ${result.slowest.toFixed(1)} ms)`);
    return result;
  }

  function prune(now = new Date()): Promise<Batched> {
    pruning ??= run(now)
      .catch((error: Error) => {
        log.error(`store: pruning events: ${error.message}`);
        return { rows: 0, batches: 0, slowest: 0 };
      })
      .finally(() => (pruning = undefined));
    return pruning;
  }

  const timers: NodeJS.Timeout[] = [];
  if (options.schedule ?? true) {
    timers.push(setTimeout(() => void prune(), 0).unref(), setInterval(() => void prune(), PRUNE_EVERY_MS).unref());
  }

  return {
    remembered,
    keep(fact, state) {
      const change = keptOf(fact);
      if (!change) return;
      if (fact.type === "ordered") write(change, state, { ...fact.from, source: fact.order.source, ...(fact.link && { link: fact.link }) }, false);
      else write(change, state, fact.type === "answered" ? { ...fact.from } : {}, fact.type === "answered" && !!fact.acknowledges);
    },
    prune,
    close() {
      closed = true;
      timers.forEach(clearTimeout);
    },
  };
}

/** Orders and answers as audit entries (server/people/audit.ts merges them with its own), newest or oldest first. */
export function auditedEvents(store: Store) {
  const entry = (row: EventRow): AuditEntry => {
    const data = JSON.parse(row.data);
    // Someone not signed in only typed the name: it says nothing of who they are, and reads so.
    const typed = row.who === "anonymous" && row.given_by !== null;
    const by = row.given_by && !typed ? ` by ${row.given_by}` : "";
    const who = typed ? `anonymous (typed: ${row.given_by})` : (row.who ?? "unknown");
    const detail =
      row.kind === "order"
        ? `order #${row.seq} ${row.position} ${data.label} from ${row.source}${by}`
        : `answer ${row.position}${by}${row.seq ? ` to order #${row.seq}` : ""}${row.acknowledges ? " (acknowledged)" : ""}`;
    return { at: row.at, who, address: row.address ?? row.link ?? "unknown", action: row.kind as AuditEntry["action"], detail };
  };
  return {
    recent: (limit: number) =>
      store.prepare<[number], EventRow>("SELECT * FROM events WHERE kind != 'expire' ORDER BY id DESC LIMIT ?").all(limit).map(entry),
    list: (since = "") =>
      store.prepare<[string], EventRow>("SELECT * FROM events WHERE kind != 'expire' AND at >= ? ORDER BY id").all(since).map(entry),
  };
}

/** The slugs of the telegraphs whose memory this store holds: every one its server has served. */
export const storedTelegraphs = (store: Store): string[] =>
  store
    .prepare<[], { slug: string }>("SELECT slug FROM telegraphs ORDER BY slug")
    .all()
    .map(({ slug }) => slug);
