// `chadburn order`, `answer` and `status`: a running server, through its HTTP API as any script
// uses it (README "HTTP API"), in the panel's words.
import { after, describeAnswer, describeListening, describeOrder, describeStatus, describeTelegraph, when } from "../lib/words";
import { HISTORY_PAGE_MAX, type HistoryPage } from "../lib/history";
import { labelOf } from "../lib/face";
import type { Snapshot } from "../lib/protocol";
import type { State, TelegraphList } from "../lib/routes";

/** A command the server refused (exit 2), or could not be asked (exit 1); the message is one line. */
export class RemoteError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}

export interface Remote {
  /** The server's origin, e.g. http://localhost:1873. */
  url: string;
  /** An API token; without one, the server's anonymous role. */
  token?: string;
  /** The telegraph's slug; without one, the server's default telegraph. */
  telegraph?: string;
}

/** Where a telegraph's routes are: /api/telegraphs/<slug>, or today's /api for the default. */
const apiOf = ({ telegraph }: Remote) => (telegraph === undefined ? "/api" : `/api/telegraphs/${encodeURIComponent(telegraph)}`);

/** A server that accepts and never answers is not waited for forever. */
const TIMEOUT_MS = 10_000;

const REASONS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "no such host",
  EHOSTUNREACH: "no route to host",
  ECONNRESET: "connection reset",
};

/** Why fetch failed, in a few words: its cause's code or message. */
function unreachable(url: string, error: Error): RemoteError {
  if (error.name === "TimeoutError") return new RemoteError(`cannot reach ${url} (no answer in ${TIMEOUT_MS / 1000} s)`, 1);
  const cause = error.cause as NodeJS.ErrnoException | undefined;
  const refused = cause?.code === "ECONNREFUSED";
  const why = (cause?.code && REASONS[cause.code]) ?? cause?.message ?? error.message;
  return new RemoteError(`cannot reach ${url} (${why})${refused ? ": is the server running?" : ""}`, 1);
}

/** The JSON a route answers, and its text as sent (`asText`: a route that answers text, such as CSV); the server's own error as a RemoteError. */
async function call<T>({ url, token }: Remote, route: string, body?: unknown, asText = false): Promise<{ json: T; text: string }> {
  let res: Response;
  let text: string;
  try {
    res = await fetch(`${url}${route}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { ...(token && { authorization: `Bearer ${token}` }), ...(body !== undefined && { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    text = await res.text();
  } catch (error) {
    throw unreachable(url, error as Error);
  }
  if (asText && res.ok) return { json: undefined as T, text };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new RemoteError(`${url}${route} answered ${res.status} ${res.statusText}, not JSON: is that a Chadburn server?`, 1);
  }
  if (res.ok) return { json: json as T, text };
  const error = (json as { error?: unknown } | null)?.error;
  // 4xx: the server understood and refused (no such position, a role too weak); 5xx: it broke.
  throw new RemoteError(typeof error === "string" ? error : `${url}${route} answered ${res.status} ${res.statusText}`, res.status < 500 ? 2 : 1);
}

/** Sends an order or an answer; the line to print. A number is sent as one, a name or label as text. */
export async function send(type: "order" | "answer", position: string, remote: Remote & { by?: string }): Promise<string> {
  const request = { position: /^\d+$/.test(position) ? Number(position) : position, by: remote.by };
  const { json: snapshot } = await call<Snapshot>(remote, `${apiOf(remote)}/${type}`, request);
  const { order, answer, face } = snapshot;
  if (type === "order") return `${order!.label} (${order!.position}) ordered, #${order!.seq}`;
  const answered = `${labelOf(face, answer!.position)} (${answer!.position}) answered`;
  if (!order) return `${answered}; there is no order yet`;
  return answer!.position === order.position
    ? `${answered}, #${order.seq}`
    : `${answered}; the order is ${order.label} (${order.position}), #${order.seq}`;
}

/** The state in a few lines, or with `json` as the server sent it. */
export async function status(remote: Remote, json = false): Promise<string> {
  const { json: state, text } = await call<State>(remote, `${apiOf(remote)}/state`);
  if (json) return text;
  const { order, answer, face, telegraph, links, presence } = state;
  const health = links.map((l) => `${l.link} ${l.state}${l.error ? ` (${l.error})` : ""}`).join(", ");
  return [
    order ? `order #${order.seq}: ${describeOrder(order)}; ${describeStatus(state)}` : "no order yet",
    `answer: ${describeAnswer(answer, order, face)}`,
    `${describeTelegraph(telegraph)}; links: ${health}`,
    `listening: ${describeListening(presence)}`,
  ].join("\n");
}

/** `chadburn history`'s choices: the span (ISO or "7d"), a position. */
export interface HistoryOptions {
  since?: string;
  until?: string;
  position?: string;
}

/** The telegraph whose history is asked for: the one named, else the server's default (GET /api/telegraphs). */
async function historySlug(remote: Remote): Promise<string> {
  if (remote.telegraph !== undefined) return remote.telegraph;
  const { json } = await call<TelegraphList>(remote, "/api/telegraphs");
  if (json.default !== null) return json.default;
  throw new RemoteError(`the server has no default telegraph: say which with --telegraph (${json.telegraphs.map((t) => t.slug).join(", ")})`, 2);
}

/** The history's route and query for `options`. */
function historyRoute(file: "history" | "history.csv", slug: string, { since, until, position }: HistoryOptions, page?: { cursor?: string }): string {
  const wanted = { since, until, position, ...(page && { limit: String(HISTORY_PAGE_MAX), cursor: page.cursor }) };
  const query = new URLSearchParams(Object.entries(wanted).filter((e): e is [string, string] => typeof e[1] === "string"));
  return `/api/telegraphs/${encodeURIComponent(slug)}/${file}${query.size ? `?${query}` : ""}`;
}

/** The history as CSV, as the server sends it. */
export async function historyCsv(remote: Remote, options: HistoryOptions): Promise<string> {
  return (await call<never>(remote, historyRoute("history.csv", await historySlug(remote), options), undefined, true)).text;
}

/** Every order of the span, newest first, a page at a time, as table rows: when, seq, order, who, first answer, answers. */
export async function historyRows(remote: Remote, options: HistoryOptions): Promise<string[][]> {
  const rows: string[][] = [];
  const slug = await historySlug(remote);
  for (let cursor: string | null | undefined; cursor !== null;) {
    const { json: page } = await call<HistoryPage>(remote, historyRoute("history", slug, options, { cursor: cursor ?? undefined }));
    for (const order of page.orders) {
      const first = order.answers[0];
      const answer = first
        ? `${first.by ?? "someone"} ${after(order.at, first.at)}${first.position === order.position ? "" : ` (answered ${first.position})`}`
        : order.expiredAt
          ? "never (expired)"
          : "never";
      rows.push([when(order.at), `#${order.seq}`, `${order.label} (${order.position})`, order.by ?? "", answer, String(order.answers.length)]);
    }
    cursor = page.next;
  }
  return rows;
}
