// The history routes (docs/protocol.md#history): a page of a telegraph's orders, its statistics and
// the CSV export. Whoever may see the telegraph (their role on it) may read its history; an unknown slug is a 404.
import { findPosition, unknownPosition } from "../../lib/face";
import { HISTORY_PAGE } from "../../lib/history";
import type { Face } from "../../lib/protocol";
import { type Guard, HttpError, type Route, route } from "../gateway/routes";
import type { Identity } from "../people/identity";
import type { Store } from "../store/store";
import { csvLines } from "./csv";
import { type HistoryFilter, HistoryError, allOrders, historyPage } from "./orders";
import { stats } from "./stats";

/** The telegraphs a server follows, by slug (the composition hands in its registry). */
export interface TelegraphLookup {
  get(slug: string): { slug: string; title: string; face: Face } | undefined;
}

/** The telegraph a path names: a 404 when the server follows none by that slug. */
function found(telegraphs: TelegraphLookup, slug: string) {
  const telegraph = telegraphs.get(slug);
  if (!telegraph) throw new HttpError(404, `no telegraph ${JSON.stringify(slug.slice(0, 40))} here`);
  return telegraph;
}

/** ?position= as a position number: any number (history may hold one an older face had), or a name or label of the face. */
function positionOf(face: Face, ref: string | undefined): number | undefined {
  if (ref === undefined) return undefined;
  if (/^\d{1,3}$/.test(ref)) return Number(ref);
  const position = findPosition(face, ref);
  if (!position) throw new HttpError(400, `position: ${unknownPosition(face, ref)}`);
  return position.position;
}

function filterOf(face: Face, query: { since?: Date; until?: Date; position?: string }): HistoryFilter {
  if (query.since && query.until && query.since >= query.until) throw new HttpError(400, "since: must be before until");
  return { since: query.since, until: query.until, position: positionOf(face, query.position) };
}

export function historyRoutes(guard: Guard, store: Store, telegraphs: TelegraphLookup): Route[] {
  const admit = (req: Parameters<Guard["allowed"]>[0]) => guard.allowed(req, "see");
  /** The telegraph a path names, if the caller may see it. */
  const seen = (slug: string, identity: Identity) => {
    const telegraph = found(telegraphs, slug);
    guard.allowedOn(identity, "see", telegraph.slug);
    return telegraph;
  };
  return [
    route("GET /api/telegraphs/:slug/history", {
      admit,
      act: ({ params, query, admitted }) => {
        const { slug, face } = seen(params.slug, admitted);
        try {
          return historyPage(store, slug, { ...filterOf(face, query), cursor: query.cursor, limit: query.limit ?? HISTORY_PAGE });
        } catch (error) {
          if (error instanceof HistoryError) throw new HttpError(400, error.message);
          throw error;
        }
      },
    }),
    route("GET /api/telegraphs/:slug/stats", {
      admit,
      act: ({ params, query, admitted }) => {
        const { slug, face } = seen(params.slug, admitted);
        const { since, until } = filterOf(face, query);
        return stats(store, slug, { since, until });
      },
    }),
    route("GET /api/telegraphs/:slug/history.csv", {
      admit,
      act: ({ res, params, query, admitted }) => {
        const { slug, face } = seen(params.slug, admitted);
        res.setHeader("content-disposition", `attachment; filename="${slug}-history.csv"`);
        return [...csvLines(allOrders(store, slug, filterOf(face, query)), face)].join("");
      },
      contentType: "text/csv; charset=utf-8",
    }),
  ];
}
