import { describe, expect, it } from "vitest";
import { bearer, identify } from "./identity";

const kettle = { name: "kettle", role: "bridge" as const, createdAt: "", lastUsed: null };
const known = { check: (secret: string) => (secret === "chadburn_good" ? kettle : null) };

describe("who is asking", () => {
  it("a token's holder has the token's role and name", () => {
    expect(identify(known, "crew")("chadburn_good")).toEqual({ ok: true, identity: { role: "bridge", name: "kettle", via: "token" } });
  });

  it("without a token, the --anonymous role; none is not even a viewer", () => {
    expect(identify(known, "crew")(undefined)).toEqual({ ok: true, identity: { role: "crew", via: "anonymous" } });
    expect(identify(known, "none")(undefined)).toEqual({ ok: true, identity: { role: null, via: "anonymous" } });
  });

  it("a wrong, revoked or empty token is an error, never anonymous", () => {
    for (const token of ["chadburn_forged", ""]) expect(identify(known, "bridge")(token)).toMatchObject({ ok: false, error: expect.stringMatching(/not valid/) });
  });

  it('reads "Bearer <token>" in any case; anything else is an empty (invalid) token', () => {
    expect(bearer(undefined)).toBeUndefined();
    expect(bearer("Bearer chadburn_good")).toBe("chadburn_good");
    expect(bearer("bearer  chadburn_good ")).toBe("chadburn_good");
    expect(bearer("Basic dXNlcjpwYXNz")).toBe("");
    expect(bearer("Bearer a b")).toBe("");
  });
});
