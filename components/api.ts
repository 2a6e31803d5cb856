// The one way the pages call the server's JSON API: same-origin, with the session cookie, and
// every failure as the server's own one-line `{error}` (or a line saying it did not answer).
export type Result<T> = { ok: true; value: T } | { ok: false; error: string };

type Method = "GET" | "POST" | "PATCH" | "DELETE";

export async function api<T>(method: Method, path: string, body?: unknown): Promise<Result<T>> {
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
  if (response.ok) return { ok: true, value: data as T };
  const error = (data as { error?: unknown } | null)?.error;
  return { ok: false, error: typeof error === "string" && error ? error : `the server answered ${response.status} ${response.statusText}`.trim() };
}

/** A path segment for a person's name: any character they may have is safe in the URL. */
export const personPath = (name: string, rest = "") => `/api/people/${encodeURIComponent(name)}${rest}`;

/** The server's one-line error as a sentence: "wrong name or password" → "Wrong name or password." */
export const sentence = (text: string) => text.replace(/^./, (c) => c.toUpperCase()).replace(/([^.!?])$/, "$1.");
