// Who may do what. Each role may do everything the roles before it may; shared by the server,
// which enforces it, and the panel, which shows only what a person may use.
export const ROLES = ["viewer", "crew", "bridge", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** The least role each action needs. */
const NEEDS = {
  /** See the dial and hear the bell. */
  see: "viewer",
  answer: "crew",
  order: "bridge",
  /** People, tokens, sessions and settings. */
  manage: "admin",
} as const satisfies Record<string, Role>;
export type Action = keyof typeof NEEDS;

const DOING: Record<Action, string> = { see: "seeing the panel", answer: "answering", order: "sending orders", manage: "managing people" };

/** Why someone may not do `action`, in one line: "sending orders needs the bridge role". */
export const refusal = (action: Action): string => `${DOING[action]} needs the ${NEEDS[action]} role`;

/** Whether `role` (null: nobody, not even a viewer) may do `action`. */
export function may(role: Role | null, action: Action): boolean {
  return role !== null && ROLES.indexOf(role) >= ROLES.indexOf(NEEDS[action]);
}

/**
 * A role given to someone on one telegraph (issue 16), over their own there: up to bridge (managing
 * is the server's, not a telegraph's), or none, so that they may not even see it.
 */
export const TELEGRAPH_ROLES = ["none", "viewer", "crew", "bridge"] as const;
export type TelegraphRole = (typeof TELEGRAPH_ROLES)[number];

/** What says someone's role on each telegraph. */
export interface RolesOn {
  /** Their own role (null: not even a viewer), theirs on every telegraph not named below. */
  role: Role | null;
  /** Roles given them on telegraphs, by slug. */
  telegraphRoles?: Readonly<Record<string, TelegraphRole>>;
  /** A token's telegraphs: it has no role on any other. Absent: every telegraph. */
  telegraphs?: readonly string[];
}

/** Their role on the telegraph `slug`: the one given them there, else their own; none outside a token's telegraphs. */
export function roleOn({ role, telegraphRoles, telegraphs }: RolesOn, slug: string): Role | null {
  if (telegraphs && !telegraphs.includes(slug)) return null;
  const given = telegraphRoles && Object.hasOwn(telegraphRoles, slug) ? telegraphRoles[slug] : undefined;
  return given === undefined ? role : given === "none" ? null : given;
}

/**
 * The most they may do on some telegraph: checked before a telegraph is looked up, so that someone
 * who may see none learns no slug, and refused as before when no telegraph would let them.
 */
export function bestRole(who: RolesOn): Role | null {
  const slugs = who.telegraphs ?? [...Object.keys(who.telegraphRoles ?? {}), null];
  const roles = slugs.map((slug) => (slug === null ? who.role : roleOn(who, slug)));
  return roles.reduce<Role | null>(
    (best, role) => (role !== null && (best === null || ROLES.indexOf(role) > ROLES.indexOf(best)) ? role : best),
    null,
  );
}
