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
