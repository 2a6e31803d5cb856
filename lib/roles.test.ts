import { describe, expect, it } from "vitest";
import { ROLES, bestRole, may, roleOn } from "./roles";

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

  it("on a telegraph: the role given there, else their own; none given there is nobody; a token's other telegraphs are nobody's", () => {
    const ann = { role: "crew" as const, telegraphRoles: { lab: "bridge", kitchen: "none" } as const };
    expect(["lab", "workshop", "kitchen"].map((slug) => roleOn(ann, slug))).toEqual(["bridge", "crew", null]);
    const lamp = { role: "bridge" as const, telegraphs: ["lab"] };
    expect(["lab", "workshop"].map((slug) => roleOn(lamp, slug))).toEqual(["bridge", null]);
    expect(roleOn({ role: null }, "lab")).toBeNull();
    // "constructor" is a slug like any other: nothing inherited is a role given.
    expect(roleOn({ role: "viewer", telegraphRoles: {} }, "constructor")).toBe("viewer");
  });

  it("the most someone may do on some telegraph", () => {
    expect(bestRole({ role: "viewer", telegraphRoles: { lab: "bridge" } })).toBe("bridge");
    expect(bestRole({ role: "crew", telegraphRoles: { lab: "none" } })).toBe("crew");
    expect(bestRole({ role: "bridge", telegraphs: ["lab"] })).toBe("bridge");
    expect(bestRole({ role: "admin" })).toBe("admin");
    expect(bestRole({ role: null })).toBeNull();
  });
});
