// JSON in and out for the HTTP API: one error shape, {error: "one line"}, for every refusal.
import type { IncomingMessage, ServerResponse } from "node:http";
import getRawBody from "raw-body";
import type { z } from "zod";
import { parse } from "../../lib/protocol";
import { MAX_MESSAGE_BYTES } from "../../lib/protocol";


export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

/** The request's JSON body, checked against `schema`; a 4xx HttpError saying what is wrong otherwise. */
export async function readJson<T>(req: IncomingMessage, schema: z.ZodType<T>): Promise<T> {
  if (!/^application\/json\b/i.test(req.headers["content-type"] ?? "")) {
    throw new HttpError(415, "send JSON with Content-Type: application/json");
  }
  let text: string;
  try {
    text = await getRawBody(req, { limit: MAX_MESSAGE_BYTES, encoding: "utf8" });
  } catch (error) {
    const status = (error as { status?: number }).status ?? 400;
    throw new HttpError(status, status === 413 ? `the body is over ${MAX_MESSAGE_BYTES} bytes` : "the body could not be read");
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new HttpError(400, "the body is not valid JSON");
  }
  const parsed = parse(schema, json);
  if (!parsed.ok) throw new HttpError(400, parsed.error);
  return parsed.value;
}
