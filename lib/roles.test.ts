import { describe, expect, it } from "vitest";
import { ROLES, may } from "./roles";

describe("roles", () => {
  it("each role may do what the ones before it may, and one thing more", () => {
    const table = Object.fromEntries(ROLES.map((role) => [role, (["see", "answer", "order", "manage"] as const).filter((a) => may(role, a))]));
    expect(table).toEqual({
      viewer: ["see"],
      crew: ["see", "answer"],
      bridge: ["see", "answer", "order"],
      admin: ["see", "answer", "order", "manage"],
    });
  });

  it("nobody may do anything", () => {
    expect((["see", "answer", "order", "manage"] as const).some((a) => may(null, a))).toBe(false);
  });
});
