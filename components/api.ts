// The one way the pages call the server's JSON API: same-origin, with the session cookie, each
// route's body and reply typed by lib/routes.ts, and every failure as the server's own one-line
// `{error}` (or a line saying it did not answer).
import type { ApiResponse, ApiRoute, PathParams, RequestBody, RequestQuery } from "../lib/routes";

export type Result<T> = { ok: true; value: T } | { ok: false; error: string };

/** What a call gives besides its route: the path's parameters and the body where it has them, any query. */
type Call<R extends ApiRoute> = (keyof PathParams<R> extends never ? { params?: undefined } : { params: PathParams<R> }) &
  (RequestBody<R> extends undefined ? { body?: undefined } : { body: RequestBody<R> }) & { query?: RequestQuery<R> };

/** "PATCH /api/people/:name" with {name: "Ann B"} → ["PATCH", "/api/people/Ann%20B"]: any character a name may have is safe in the URL. */
export function request(
  route: ApiRoute,
  params: Record<string, string> = {},
  query: Record<string, string | number | undefined> = {},
): [string, string] {
  const [method, pattern] = route.split(" ");
  const path = pattern.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(params[name]));
  const given = Object.entries(query).filter((entry): entry is [string, string | number] => entry[1] !== undefined);
  const search = new URLSearchParams(given.map(([key, value]) => [key, String(value)])).toString();
  return [method, search ? `${path}?${search}` : path];
}

export async function api<R extends ApiRoute>(
  route: R,
  ...[call = {} as Call<R>]: Record<never, never> extends Call<R> ? [call?: Call<R>] : [call: Call<R>]
): Promise<Result<ApiResponse<R>>> {
  const { params, body, query } = call;
  const [method, path] = request(route, params, query);
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: "same-origin",
      cache: "no-store",
      headers: body === undefined ? undefined : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    return { ok: false, error: "the server did not answer" };
  }
  const data: unknown = await response.json().catch(() => null);
  if (response.ok) return { ok: true, value: data as ApiResponse<R> };
  const error = (data as { error?: unknown } | null)?.error;
  return { ok: false, error: typeof error === "string" && error ? error : `the server answered ${response.status} ${response.statusText}`.trim() };
}

/** The server's one-line error as a sentence: "wrong name or password" → "Wrong name or password." */
export const sentence = (text: string) => text.replace(/^./, (c) => c.toUpperCase()).replace(/([^.!?])$/, "$1.");
