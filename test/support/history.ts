// A telegraph's memory on a real store in a temp folder, driven through the core as the server
// drives it: what the history, statistics and retention tests read.
import { Writable } from "node:stream";
import type { Face, TelegraphConnection } from "../../lib/protocol";
import { createLogger } from "../../server/log";
import { openMemory } from "../../server/store/memory";
import { openStore } from "../../server/store/store";
import { type TelegraphEvent, type TelegraphState, restore, step } from "../../server/telegraph/telegraph";

export const HISTORY_FACE: Face = [
  { position: 1, name: "tea", label: "TEA", expires: 600 },
  { position: 2, name: "meeting", label: "MEETING" },
  { position: 3, name: "stop", label: "STOP" },
  { position: 7, name: "coffee", label: "COFFEE" },
];

/** What happens, as tests write it: positions by number. */
export type Given =
  | { type: "order"; position: number; at: string; by?: string }
  | { type: "answer"; position: number; at: string; by?: string }
  | { type: "expire"; seq: number; at: string };

export const ordered = (position: number, at: string, by?: string): Given => ({ type: "order", position, at, ...(by && { by }) });
export const answered = (position: number, at: string, by?: string): Given => ({ type: "answer", position, at, ...(by && { by }) });
export const expired = (seq: number, at: string): Given => ({ type: "expire", seq, at });

const FILES: TelegraphConnection = { link: "status-file", connected: true, since: "2026-01-01T00:00:00.000Z" };

/** The store in `dir` with one telegraph's memory (`telegraph`, the default unless told), no timers; `keepEventsDays` for retention. */
export function openHistory(dir: string, options: { telegraph?: string; keepEventsDays?: number; face?: Face } = {}) {
  const logs: string[] = [];
  const log = createLogger("info", new Writable({ write: (line, _encoding, done) => done(void logs.push(JSON.parse(line).msg)) }));
  const store = openStore(dir);
  const face = options.face ?? HISTORY_FACE;
  const memory = openMemory(store, {
    dataDir: dir,
    log,
    telegraph: options.telegraph,
    retention: { keepEventsDays: options.keepEventsDays },
    schedule: false,
  });
  let state: TelegraphState = restore(face, FILES, memory.remembered, {}).state;
  return {
    store,
    memory,
    logs,
    /** Runs the core on each and keeps every fact, as the server's store subscriber does. */
    give(...events: Given[]): void {
      for (const event of events) {
        const position = "position" in event ? face.find((p) => p.position === event.position) : undefined;
        const from = { who: event.type === "expire" ? undefined : (event.by ?? "anonymous"), source: "panel" as const };
        const core = { ...event, ...(position && { position }), source: "panel", answerer: "by" in event ? event.by : undefined, from };
        const result = step(state, core as TelegraphEvent);
        if (!result.ok) throw new Error(result.error);
        state = result.state;
        for (const fact of result.facts) memory.keep(fact, state);
      }
    },
    close(): void {
      memory.close();
      store.close();
    },
  };
}
