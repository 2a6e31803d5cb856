// The HTTP API route by route (docs/protocol.md#http): what each takes (its body's and query's
// schemas) and what it answers. The server's routes parse with these schemas and reply these
// types (server/gateway/routes.ts); the panel's calls (components/api.ts) and the command are
// typed by them, so no call site types a reply again.
import { z } from "zod";
import {
  type AuditEntry,
  Invite,
  type LinkHealth,
  InviteCode,
  type PersonView,
  type Presence,
  Request,
  RoleChange,
  TelegraphRoleChange,
  SignIn,
  type Snapshot,
  type TelegraphConnection,
  type You,
} from "./protocol";
import { PushRenew, PushSubscribe, PushUnsubscribe } from "./push";
import { HistoryCsvQuery, type HistoryPage, HistoryQuery, SpanQuery, type Stats } from "./history";
import type { Role } from "./roles";

/** The most audit entries GET /api/audit sends, and what it sends without ?limit= (the download has them all). */
export const AUDIT_LIMIT = 200;

/** GET /api/audit's query: ?limit= asks for fewer (more is sent as AUDIT_LIMIT); ?download for the whole log. */
export const AuditQuery = z.object({
  limit: z
    .string()
    .regex(/^[1-9]\d*$/, `a whole number, 1 or more (at most ${AUDIT_LIMIT} entries are sent)`)
    .transform((limit) => Math.min(Number(limit), AUDIT_LIMIT))
    .optional(),
  download: z.string().optional(),
});

/** GET /api/state: the snapshot, and who is listening. */
export type State = Snapshot & { presence: Presence };

/** GET /api/telegraphs: the telegraphs this server serves, by slug (their panels at /t/<slug>), and which is at `/`. */
export interface TelegraphList {
  telegraphs: { slug: string; title: string }[];
  /** The default telegraph's slug; null: none, `/` lists them. */
  default: string | null;
}

/** What GET /healthz says of the links: "ok", or "degraded" with the reasons. */
export type Health = { status: "ok" } | { status: "degraded"; reasons: string[] };

/** One telegraph's health, as GET /healthz lists them when the server has several. */
export type TelegraphHealth = Health & { slug: string; telegraph: TelegraphConnection; links: LinkHealth[] };

/**
 * GET /healthz's body (200 while the process lives; paths reduced to file names for strangers):
 * degraded when any telegraph is, with every reason (each begun with its telegraph's slug when there
 * are several); `telegraph` and `links` are the default telegraph's (or the first's), as before
 * several telegraphs; `telegraphs`, when there are several, each one's health.
 */
export type Healthz = Health & {
  telegraph: TelegraphConnection;
  links: LinkHealth[];
  telegraphs?: TelegraphHealth[];
  cluster?: ClusterHealth;
  mqtt?: MqttHealth;
};

/** With an MQTT broker (--mqtt, docs/home-assistant.md): whether the bridge reaches it, and since when not. */
export interface MqttHealth {
  broker: "connected" | "not connected";
  since?: string;
}

/** With several nodes (--redis, docs/scaling.md): whether this node reaches Redis (since when not), and the telegraphs it writes. */
export interface ClusterHealth {
  redis: "answers" | "does not answer";
  since?: string;
  writes: string[];
}

/** GET /readyz's body: 200 while "ready", 503 otherwise. */
export interface Readiness {
  status: "starting" | "ready" | "closing";
  /** Next is prepared ("prepared"), or this process does not serve the panel ("none"). */
  panel: "prepared" | "none";
  /** The default telegraph's links (or the first's), as with one telegraph. */
  links: LinkHealth[];
  /** When there are several telegraphs, each one's links. */
  telegraphs?: { slug: string; links: LinkHealth[] }[];
}

/** POST /api/link: whom a sign-in invite is for. */
export interface Invitation {
  name: string;
  role: Role;
}

/** An invite just made (POST /api/people) or made again (reset): the person and their one-time sign-in link. */
export interface Invited {
  person: PersonView;
  link: string;
}

/** The server's own reply: typed for its callers, not checked on the way back. */
const reply = <T>() => z.custom<T>();
type Endpoint = { body?: z.ZodType; query?: z.ZodType; response: z.ZodType };

export const API = {
  "GET /api/state": { response: reply<State>() },
  "POST /api/order": { body: Request, response: reply<Snapshot>() },
  "POST /api/answer": { body: Request, response: reply<Snapshot>() },
  "GET /api/telegraphs": { response: reply<TelegraphList>() },
  "GET /api/telegraphs/:slug/state": { response: reply<State>() },
  "POST /api/telegraphs/:slug/order": { body: Request, response: reply<Snapshot>() },
  "POST /api/telegraphs/:slug/answer": { body: Request, response: reply<Snapshot>() },
  "GET /healthz": { response: reply<Healthz>() },
  "GET /readyz": { response: reply<Readiness>() },
  /** Prometheus's text format. */
  "GET /metrics": { response: z.string() },
  "GET /api/session": { response: reply<You>() },
  "POST /api/session": { body: SignIn, response: reply<You>() },
  "DELETE /api/session": { response: reply<You>() },
  "DELETE /api/sessions": { response: reply<You>() },
  "POST /api/link": { body: InviteCode, response: reply<Invitation>() },
  /** Everyone, and the telegraphs they may be given roles on. */
  "GET /api/people": { response: reply<{ people: PersonView[]; telegraphs: TelegraphList["telegraphs"] }>() },
  "POST /api/people": { body: Invite, response: reply<Invited>() },
  "PATCH /api/people/:name": { body: RoleChange, response: reply<{ person: PersonView }>() },
  "PATCH /api/people/:name/telegraphs/:slug": { body: TelegraphRoleChange, response: reply<{ person: PersonView }>() },
  "DELETE /api/people/:name": { response: reply<{ person: PersonView }>() },
  "POST /api/people/:name/reset": { response: reply<Invited>() },
  "DELETE /api/people/:name/sessions": { response: reply<{ person: PersonView }>() },
  "GET /api/audit": { query: AuditQuery, response: reply<{ entries: AuditEntry[] }>() },
  "GET /api/push/key": { response: reply<{ publicKey: string }>() },
  /** Today's push routes are the default telegraph's (404 when the server has none). */
  "POST /api/push/subscriptions": { body: PushSubscribe, response: reply<{ endpoint: string }>() },
  "POST /api/telegraphs/:slug/push/subscriptions": { body: PushSubscribe, response: reply<{ endpoint: string }>() },
  /** `following`: how many telegraphs the browser follows still (at 0 the server forgot it). */
  "DELETE /api/push/subscriptions": { body: PushUnsubscribe, response: reply<{ removed: boolean; following: number }>() },
  "DELETE /api/telegraphs/:slug/push/subscriptions": { body: PushUnsubscribe, response: reply<{ removed: boolean; following: number }>() },
  "POST /api/push/renewal": { body: PushRenew, response: reply<{ endpoint: string }>() },
  "GET /api/telegraphs/:slug/history": { query: HistoryQuery, response: reply<HistoryPage>() },
  "GET /api/telegraphs/:slug/stats": { query: SpanQuery, response: reply<Stats>() },
  /** RFC 4180 CSV: a header line, then each order and its answers. */
  "GET /api/telegraphs/:slug/history.csv": { query: HistoryCsvQuery, response: z.string() },
} as const satisfies Record<`${"GET" | "POST" | "PATCH" | "DELETE"} /${string}`, Endpoint>;

/** A route: its method and path pattern, "PATCH /api/people/:name". */
export type ApiRoute = keyof typeof API;
type Part<R extends ApiRoute, K extends keyof Endpoint> = (typeof API)[R] extends Record<K, infer S extends z.ZodType> ? S : undefined;
type In<S> = S extends z.ZodType ? z.input<S> : undefined;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

/** What a client sends as the body, and what the server reads from it. */
export type RequestBody<R extends ApiRoute> = In<Part<R, "body">>;
export type ParsedBody<R extends ApiRoute> = Out<Part<R, "body">>;
/** What a client puts in the query (numbers as they are), and what the server reads from it. */
export type RequestQuery<R extends ApiRoute> = { [K in keyof In<Part<R, "query">>]?: string | number };
export type ParsedQuery<R extends ApiRoute> = Out<Part<R, "query">>;
export type ApiResponse<R extends ApiRoute> = z.output<(typeof API)[R]["response"]>;

type ParamNames<P> = P extends `${string}:${infer N}/${infer Rest}` ? N | ParamNames<`/${Rest}`> : P extends `${string}:${infer N}` ? N : never;
/** The path's parameters: {name} for "/api/people/:name". */
export type PathParams<R extends ApiRoute> = { [K in ParamNames<R>]: string };
