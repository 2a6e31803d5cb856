// Secrets handed out once (sign-in links, sessions, API tokens) are random and kept only as a
// SHA-256 hash: a copy of the store lets nobody in.
import { createHash, randomBytes } from "node:crypto";

/** A new secret: 32 random bytes, URL-safe, with a prefix saying what it is (so a leaked one is recognised). */
export function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString("base64url")}`;
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("base64url");
}
