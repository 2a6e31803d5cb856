// A telegraph's name in URLs (issue 16): /t/<slug>, /api/telegraphs/<slug>/…, and the key of its
// rows in the store. One server may follow several; the one its flags describe is the default.
import { z } from "zod";

/** Slugs that would shadow a page or route of ours, now or soon: never a telegraph's. */
export const RESERVED_SLUGS = [
  "_next",
  "admin",
  "api",
  "help",
  "history",
  "healthz",
  "metrics",
  "new",
  "readyz",
  "settings",
  "signin",
  "socket.io",
  "static",
  "stats",
  "t",
  "welcome",
] as const;

/** The default telegraph's slug until the config names it: the one an installation from before issue 16 has. */
export const DEFAULT_SLUG = "default";

export const Slug = z
  .string()
  .regex(/^[a-z0-9-]{1,32}$/, "a telegraph's slug is 1 to 32 lower-case letters, digits or '-'")
  .refine((slug) => !(RESERVED_SLUGS as readonly string[]).includes(slug), { message: "that slug is reserved for a page or route of Chadburn's" });
