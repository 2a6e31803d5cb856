import { describe, expect, it } from "vitest";
import type { TelegraphRole } from "../../lib/roles";
import { auditName, bearer, identify } from "./identity";

const kettle = { name: "kettle", role: "bridge" as const, createdAt: "", lastUsed: null };
const lamp = { ...kettle, name: "lamp", telegraphs: ["lab"] };
const ann = { personId: 3, name: "Ann", role: "admin" as const };
const bob = { personId: 4, name: "Bob", role: "crew" as const };
const known = {
  tokens: { check: (secret: string) => ({ chadburn_good: kettle, chadburn_lamp: lamp })[secret] ?? null },
  sessions: { check: (secret: string) => ({ session_good: ann, session_bob: bob })[secret] ?? null },
  telegraphRoles: (personId: number): Record<string, TelegraphRole> => (personId === 4 ? { lab: "bridge" } : {}),
};

describe("who is asking", () => {
  it("a token's holder has the token's role and name", () => {
    expect(identify(known, "crew")({ token: "chadburn_good" })).toEqual({ ok: true, identity: { role: "bridge", name: "kettle", via: "token" } });
  });

  it("a token limited to telegraphs says which; a person given roles on telegraphs has them, as the store says now", () => {
    expect(identify(known, "crew")({ token: "chadburn_lamp" })).toEqual({
      ok: true,
      identity: { role: "bridge", name: "lamp", via: "token", telegraphs: ["lab"] },
    });
    expect(identify(known, "crew")({ session: "session_bob" })).toEqual({
      ok: true,
      identity: { role: "crew", name: "Bob", via: "session", personId: 4, telegraphRoles: { lab: "bridge" } },
    });
  });

  it("without a token or session, the --anonymous role; none is not even a viewer", () => {
    expect(identify(known, "crew")({})).toEqual({ ok: true, identity: { role: "crew", via: "anonymous" } });
    expect(identify(known, "none")({})).toEqual({ ok: true, identity: { role: null, via: "anonymous" } });
  });

  it("a wrong, revoked or empty token is an error, never anonymous, even beside a good session", () => {
    for (const token of ["chadburn_forged", ""]) {
      expect(identify(known, "bridge")({ token, session: "session_good" })).toMatchObject({ ok: false, error: expect.stringMatching(/not valid/) });
    }
  });

  it("a live session is its person, with their role; an ended one is anonymous, and says so", () => {
    expect(identify(known, "crew")({ session: "session_good" })).toEqual({
      ok: true,
      identity: { role: "admin", name: "Ann", via: "session", personId: 3 },
    });
    expect(identify(known, "viewer")({ session: "session_gone" })).toEqual({ ok: true, identity: { role: "viewer", via: "anonymous", ended: true } });
  });

  it("the audit log names a person, a token or nobody", () => {
    expect(auditName({ role: "admin", name: "Ann", via: "session" })).toBe("Ann");
    expect(auditName({ role: "bridge", name: "kettle", via: "token" })).toBe("token kettle");
    expect(auditName({ role: "crew", via: "anonymous" })).toBe("anonymous");
  });

  it('reads "Bearer <token>" in any case; a malformed Bearer is an empty (invalid) token; other schemes are not ours', () => {
    expect(bearer(undefined)).toBeUndefined();
    expect(bearer("Bearer chadburn_good")).toBe("chadburn_good");
    expect(bearer("bearer  chadburn_good ")).toBe("chadburn_good");
    expect(bearer("Bearer a b")).toBe("");
    expect(bearer("Bearer")).toBe("");
    // A proxy's HTTP Basic auth (or any other scheme) is for the proxy: the request stays anonymous.
    for (const other of ["Basic dXNlcjpwYXNz", 'Digest username="ann"', "Bearerx abc", ""]) expect(bearer(other), other).toBeUndefined();
  });
});
