// How pages read the API (the history and statistics pages): on the server, over this process's own address
// (CHADBURN_INTERNAL_URL, set by server/main.ts), as the visitor: their cookies, and what a proxy in
// front said of their address and scheme, which the server believes only from a proxy it trusts
// (--trust-proxy loopback): then it reads the session cookie under the name of the visitor's scheme.
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { headers } from "next/headers";

export type Read<T> = { ok: true; value: T } | { ok: false; status: number; error: string };

const FORWARDED = ["cookie", "x-forwarded-for", "x-forwarded-proto"];

/** GET `path` (with its query) from the API as the visitor; a failure as its status and the server's one line. */
export async function read<T>(path: string): Promise<Read<T>> {
  const base = process.env.CHADBURN_INTERNAL_URL;
  if (!base) throw new Error("CHADBURN_INTERNAL_URL is not set: the pages are served by server/main.ts, which sets it");
  const incoming = await headers();
  const sent: Record<string, string> = { accept: "application/json" };
  for (const name of FORWARDED) {
    const value = incoming.get(name);
    if (value) sent[name] = value;
  }
  const url = new URL(path, base);
  const { status, body } = await get(url, sent);
  let data: unknown = null;
  try {
    data = JSON.parse(body);
  } catch {
    // not JSON: said below by its status
  }
  if (status >= 200 && status < 300) return { ok: true, value: data as T };
  const error = (data as { error?: unknown } | null)?.error;
  return { ok: false, status, error: typeof error === "string" && error ? error : `the server answered ${status}` };
}

/**
 * One GET over node:http(s). Over TLS the certificate is not checked: it names the public host, not
 * the address this process listens on, and the peer is this process itself.
 */
function get(url: URL, sent: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const options = { headers: sent, ...(url.protocol === "https:" ? { rejectUnauthorized: false } : {}) };
    const req = (url.protocol === "https:" ? httpsRequest : httpRequest)(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}
