// The wire between panels and server: types, event names and validation.
// Imported by the browser and the server alike; nothing here is declared twice.
import { z } from "zod";
import { ROLES, type Role, TELEGRAPH_ROLES, type TelegraphRole } from "./roles";

/** The most answers an order may need: a face's quorum, and "everyone" however many listen. */
export const MAX_QUORUM = 100;

/** One position on the telegraph's face: the number the telegraph writes, a short name, the word on the dial. */
export const FacePosition = z.strictObject({
  position: z.number().int().min(0).max(999),
  name: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, "name must be lower-case letters, digits or '-', at most 32"),
  label: z.string().trim().min(1).max(24),
  hint: z.string().trim().max(80).optional(),
  /** Orders that insist: the bell rings again every this many seconds until acknowledged. */
  repeat: z.number().int().min(2).max(3600).optional(),
  /** The order is cleared this many seconds after it was given: nobody joins to a stale one. */
  expires: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 3600)
    .optional(),
  /** Who must answer for it to count as acknowledged: anyone (the default), that many people, or everyone listening. */
  quorum: z.union([z.literal("anyone"), z.literal("everyone"), z.number().int().min(1).max(MAX_QUORUM)]).optional(),
});
export type FacePosition = z.infer<typeof FacePosition>;

const unique = (face: FacePosition[], key: (p: FacePosition) => string) => new Set(face.map(key)).size === face.length;

/** A whole face, in dial order from left to right. */
export const Face = z
  .array(FacePosition)
  .min(2, "a face needs at least 2 positions")
  .max(32, "a face has at most 32 positions")
  .refine((f) => unique(f, (p) => String(p.position)), "position numbers must be unique")
  .refine((f) => unique(f, (p) => p.name), "names must be unique")
  .refine((f) => unique(f, (p) => p.label.toLowerCase()), "labels must be unique");
export type Face = z.infer<typeof Face>;

/** How a client names a position: its number, or its name or label (any case). */
export const PositionRef = z.union([z.number().int().min(0).max(999), z.string().trim().min(1).max(32)], {
  error: "expected a position: its number, or its name or label",
});
export type PositionRef = z.infer<typeof PositionRef>;

/** A name shown on every panel: no control, zero-width or direction-changing characters to disguise it. */
const NameText = z
  .string()
  .trim()
  .max(40, "at most 40 characters")
  .refine((name) => !/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(name), "a name cannot hold control, zero-width or direction-changing characters");

/** A person's or a token's name. */
export const Name = NameText.min(1, "a name needs at least one character");

/** The person behind an order or answer; blank means nobody said. */
export const By = NameText.transform((s) => s || undefined).optional();

/** Payload of the `order` and `answer` client events and of POST /api/order and /api/answer. */
export const Request = z.strictObject(
  { position: PositionRef, by: By },
  {
    error: (issue) =>
      issue.code === "invalid_type"
        ? `expected an object {position, by}, received ${issue.input === null ? "null" : Array.isArray(issue.input) ? "an array" : typeof issue.input}`
        : undefined,
  },
);
export type Request = z.infer<typeof Request>;

export const SOURCES = ["telegraph", "panel", "api", "mqtt"] as const;
export type Source = (typeof SOURCES)[number];

export interface Order {
  position: number;
  name: string;
  label: string;
  /** Grows by exactly one for every new order. */
  seq: number;
  /** ISO time. */
  at: string;
  source: Source;
  by?: string;
  /** Answers (from different people) it needs to be acknowledged, when more than one (quorum). */
  required?: number;
  /** ISO time it is cleared, when its position expires. */
  expires?: string;
}

export interface Answer {
  position: number;
  at: string;
  by?: string;
  /** The seq of the order that was current when this answer was given. */
  seq: number;
}

export const LINKS = ["status-file", "serial"] as const;
export type LinkName = (typeof LINKS)[number];

/**
 * The telegraph's own link as panels see it: the serial line when there is one, else the status
 * file; "none" for a soft telegraph, which has no link: its panels are all it is.
 */
export interface TelegraphConnection {
  link: LinkName | "none";
  connected: boolean;
  /** ISO time `connected` last changed. */
  since: string;
  /** The serial device, when the link is serial. */
  device?: string;
  /** What the telegraph said of itself in its HELLO. */
  name?: string;
  firmware?: string;
}

/** How one link to the telegraph is doing, as /healthz and the panels show it. */
export interface LinkHealth {
  link: LinkName;
  state: "watching" | "connected" | "disconnected" | "error";
  /** Why, while the state is "error" or "disconnected". */
  error?: string;
  /** Since when the state is "error" (ISO time). */
  since?: string;
  /** Where: the status file, or the serial device. */
  at?: string;
  /** When the status file's safety net last found a change its watch had missed (ISO time). */
  recovered?: string;
  /** The status file is looked at every this many ms: its filesystem does not tell the watch of every change, or no watch can be armed (server/links/file-link.ts). */
  polled?: number;
  /** Why no watch can be armed on the status file (the system's inotify watches used up): it is polled instead, and /healthz is degraded, until one can (tried every 5 s). */
  unwatched?: string;
}

/** A link in error, in words: "status file unreadable since 10:32: it is a directory". */
export const LINK_TROUBLE: Record<LinkName, string> = { "status-file": "status file unreadable", serial: "serial line failing" };

/** An order and the answer that acknowledged it, if one did. */
export interface PastOrder {
  order: Order;
  answer: Answer | null;
  /** ISO time it expired: cleared from the panels, answered or not. */
  expired?: string;
}

/** How many orders the snapshot's history keeps: enough to tell a panel what it missed. */
export const HISTORY_LENGTH = 20;

/** What every panel sees: sent on connect and on request; after that each change comes alone (Change). */
export interface Snapshot {
  order: Order | null;
  answer: Answer | null;
  /** Enough answers (one, unless the order has `required`) name the current order. */
  acknowledged: boolean;
  /** People whose answer names the current order. */
  answered: number;
  face: Face;
  telegraph: TelegraphConnection;
  /** The latest orders, oldest first, the current one last. */
  history: PastOrder[];
  /** Every link the server has to the telegraph: the status file, and the serial line if any. */
  links: LinkHealth[];
  /**
   * The server's store, made once with it: the same across restarts, another after the data
   * folder is replaced, when seq starts again from 1.
   */
  epoch: string;
  /** The last change this snapshot holds: the next change a panel can apply onto it is version + 1. */
  version: number;
}

/**
 * One change of the snapshot, sent to every panel alone (event `change`): `version` is the
 * snapshot's after it, one more than before; `epoch` the store it belongs to. A client applies it
 * onto the snapshot it holds (lib/change.ts), or asks for the snapshot on a gap or another epoch.
 */
export type Change = { version: number; epoch: string } &
  /** A new order: it joins the history; nobody has answered it yet. */
  (
    | { order: Order }
    /** An answer, and how the current order stands after it (an acknowledging answer stays beside its order in the history). */
    | { answer: Answer; answered: number; acknowledged: boolean }
    /** The order `seq`'s time is up: it leaves the panels; the history says when. */
    | { expired: { seq: number; at: string } }
    | { telegraph: TelegraphConnection }
    /** One link's health, replacing what was known of that link. */
    | { link: LinkHealth }
  );

/** How an order reached a panel: received, then its bell rang, was muted, or was kept silent by the browser. */
export const HEARD = ["delivered", "rang", "muted", "blocked"] as const;
export type Heard = (typeof HEARD)[number];

/** Payload of the `hello` client event: which panel this is (one id per browser tab) and whose. */
export const Hello = z.strictObject({
  panel: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, "panel must be 8 to 64 letters, digits, '-' or '_'"),
  name: By,
});
export type Hello = z.infer<typeof Hello>;

/** Payload of the `snapshot` client event: a client that missed a change asks for the whole state again (sent as `state`). */
export const SnapshotRequest = z.strictObject({}, { error: "expected an empty object {}" });

/** Payload of the `receipt` client event: how the order with this seq reached the panel. */
export const Receipt = z.strictObject({ seq: z.number().int().min(1), heard: z.enum(HEARD) });
export type Receipt = z.infer<typeof Receipt>;

/** How the current order reached the panels: each panel counted once, by what it last reported. */
export interface Receipts {
  seq: number;
  /** Panels that received it (including those that rang, muted or were blocked). */
  delivered: number;
  rang: number;
  muted: number;
  blocked: number;
}

/** A person, by the name in their panels. */
export interface Listener {
  name: string;
  /** Their panels connected now (0: gone). */
  panels: number;
  /** ISO time a panel of theirs last connected, spoke, answered a heartbeat or left. */
  lastSeen: string;
}

/** Who is listening: sent on connect and whenever it changes (at most once a second); receipts alone between. */
export interface Presence {
  /** Panels connected now, named or not. */
  panels: number;
  /** Connected panels whose name field is blank. */
  unnamed: number;
  /** Named people connected now (the first 50 by name), then those gone in the last 12 hours (the latest 50). */
  people: Listener[];
  /** People connected now past the 50 listed, when there are more. */
  others?: number;
  /** For the current order; null before the first. */
  receipts: Receipts | null;
}

/** Who this panel is to the server, and so what it may do (lib/roles.ts); sent on connect and on every change. */
export interface You {
  /** null: not even a viewer (the server then refuses the connection). */
  role: Role | null;
  /** The signed-in person's name, or an API token's. */
  name?: string;
  via: "session" | "token" | "anonymous";
  /** The browser's session ended (signed out elsewhere, revoked, expired): it is anonymous now. */
  ended?: true;
}

export const RoleName = z.enum(ROLES, { error: `a role is one of ${ROLES.join(", ")}` });

/** A password someone chooses: long enough to resist guessing, short enough to hash quickly. */
export const Password = z.string().min(8, "a password needs at least 8 characters").max(200, "a password has at most 200 characters");

/** POST /api/session: a name and password, or a one-time sign-in link's code and the password to set. */
export const SignIn = z.union(
  [z.strictObject({ name: z.string().max(200), password: z.string().max(200) }), z.strictObject({ code: z.string().max(200), password: Password })],
  { error: "send {name, password}, or {code, password} from a sign-in link" },
);
export type SignIn = z.infer<typeof SignIn>;

/** POST /api/link: what a sign-in link is for, before it is used. */
export const InviteCode = z.strictObject({ code: z.string().max(200) });

/** POST /api/people: invite someone; PATCH /api/people/:name: change their role. */
export const Invite = z.strictObject({ name: Name, role: RoleName });
export const RoleChange = z.strictObject({ role: RoleName });
/** PATCH /api/people/:name/telegraphs/:slug: their role on that telegraph; null: their own again. */
export const TelegraphRoleChange = z.strictObject({
  role: z.enum(TELEGRAPH_ROLES, { error: `a role on a telegraph is one of ${TELEGRAPH_ROLES.join(", ")}, or null for their own` }).nullable(),
});

/** A person as the admin page sees them. */
export interface PersonView {
  name: string;
  role: Role;
  /** Roles given them on telegraphs, by slug, over their own there (lib/roles.ts roleOn). */
  telegraphRoles: Record<string, TelegraphRole>;
  /** Else only a sign-in link lets them in. */
  hasPassword: boolean;
  createdAt: string;
  /** Browsers signed in as them now. */
  sessions: number;
}

/** One line of the audit log. */
export interface AuditEntry {
  at: string;
  /** "Ann", "token kettle", "anonymous", "telegraph", "command line (root)". */
  who: string;
  /** The client's address, the telegraph's link, or "local". */
  address: string;
  action: "order" | "answer" | "sign-in" | "user" | "token";
  detail: string;
}

/** Reply to a client event: one envelope for every acknowledgement. */
export type Reply = { ok: true } | { ok: false; error: string };

/** Why the server closes a panel's connection on purpose. */
export interface Bye {
  reason: string;
}

export interface ServerToClient {
  state: (snapshot: Snapshot) => void;
  change: (change: Change) => void;
  /** The server is going away (a restart): the panel reconnects by itself. */
  bye: (bye: Bye) => void;
  /** The panel may no longer see the telegraph (a role of none, a revoked token), sent just before the server disconnects it: it does not come back by itself. */
  refused: (refusal: Bye) => void;
  presence: (presence: Presence) => void;
  /** Between presence messages, when only the receipts changed. */
  receipts: (receipts: Receipts | null) => void;
  you: (you: You) => void;
  /**
   * With several nodes (docs/scaling.md): since when (ISO time) this panel's server cannot reach
   * the others (Redis), so the panel shows the telegraph as it last was and cannot order or answer
   * through it; null when it can again (the telegraph's state follows). Never sent by a lone server.
   */
  paused: (since: string | null) => void;
}

/** What panels send, event by event, and its payload's schema: the server refuses any other event. */
export const CLIENT_EVENTS = { order: Request, answer: Request, hello: Hello, receipt: Receipt, snapshot: SnapshotRequest } as const;
export type ClientEvent = keyof typeof CLIENT_EVENTS;

/** The server replies only when asked: a panel's receipts ask for nothing (a reply to each would be a write per panel per order). */
export type ClientToServer = {
  [E in ClientEvent]: (payload: z.input<(typeof CLIENT_EVENTS)[E]>, reply?: (r: Reply) => void) => void;
};

export const SOCKET_PATH = "/socket.io";

/** Larger messages are refused: a socket.io message closes its connection, an HTTP body gets 413. Ours are tiny. */
export const MAX_MESSAGE_BYTES = 4096;

/** Parses untrusted input; the error names the field and what is wrong. */
export function parse<T>(schema: z.ZodType<T>, input: unknown): { ok: true; value: T } | { ok: false; error: string } {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  const where = issue.path.length ? `${issue.path.join(".")}: ` : "";
  return { ok: false, error: `${where}${issue.message}` };
}
