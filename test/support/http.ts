// The server's HTTP API, called as a browser or a script would.
import type { Snapshot } from "../../lib/protocol";

export interface JsonResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** Requests a route that answers JSON (GET unless `init` says otherwise). */
export async function getJson<T = any>(url: string, init: RequestInit = {}): Promise<JsonResponse<T>> {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, body: (await res.json()) as T };
}

/** GET /api/state: the snapshot, without the presence that comes with it. */
export async function getSnapshot(url: string): Promise<Snapshot> {
  const { status, body } = await getJson(`${url}/api/state`);
  if (status !== 200) throw new Error(`GET /api/state: ${status} ${JSON.stringify(body)}`);
  const { presence: _, ...snapshot } = body;
  return snapshot;
}

/** POSTs a body: an object is sent as JSON, a string as is; the JSON content type unless `headers` replace it. */
export async function postJson<T = any>(url: string, body: unknown, headers: Record<string, string> = {}): Promise<JsonResponse<T>> {
  return getJson<T>(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}
