// The server's VAPID keys (RFC 8292): the identity push services know our pushes by. Made on the
// first start and kept in the data folder, readable by the service's user only: a browser's
// subscription is bound to the public key, so new keys would silently orphan every subscription.
import { linkSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import webPush from "web-push";
import { z } from "zod";

export const VAPID_FILE = "vapid.json";

/**
 * Who push services may contact about our pushes (a `mailto:` or `https:` URL, RFC 8292 §2.1).
 * Kept in vapid.json: edit it there to give a real address (Apple's service refuses `localhost` URLs).
 */
export const DEFAULT_SUBJECT = "mailto:chadburn@localhost";

export interface Vapid {
  /** Uncompressed P-256 point, base64url: the browser's applicationServerKey. */
  publicKey: string;
  privateKey: string;
  subject: string;
}

const base64url = (bytes: number) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, "must be base64url")
    .refine((s) => Buffer.from(s, "base64url").length === bytes, `must be ${bytes} bytes`);

const VapidFile = z.strictObject({
  publicKey: base64url(65),
  privateKey: base64url(32),
  subject: z.string().regex(/^(mailto:|https:\/\/)\S+$/, "must be a mailto: or https:// URL"),
});

/** Reads `<dataDir>/vapid.json`, creating it (mode 0600) with new keys when there is none. */
export function loadVapid(dataDir: string): Vapid {
  const file = path.join(dataDir, VAPID_FILE);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    const made: Vapid = { ...webPush.generateVAPIDKeys(), subject: DEFAULT_SUBJECT };
    // Written whole under another name, then linked in place, which fails if the file is there:
    // nodes starting at once keep one pair, the first's, and none reads a file half written.
    const mine = `${file}.${process.pid}`;
    writeFileSync(mine, `${JSON.stringify(made, null, 2)}\n`, { mode: 0o600 });
    try {
      linkSync(mine, file);
      return made;
    } catch (raced) {
      if ((raced as NodeJS.ErrnoException).code !== "EEXIST") throw raced;
      text = readFileSync(file, "utf8");
    } finally {
      unlinkSync(mine);
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${file}: not JSON (delete it to make new keys; every browser then has to subscribe again)`);
  }
  const parsed = VapidFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `${file}: ${issue.path.join(".") || "the file"} ${issue.message} (delete it to make new keys; every browser then has to subscribe again)`,
    );
  }
  return parsed.data;
}
