import { describe, expect, it } from "vitest";
import { request } from "./api";

describe("a call's method and path, from its route in lib/routes.ts", () => {
  it("puts the path's parameters in, encoded: any character a name may have is safe in the URL", () => {
    expect(request("PATCH /api/people/:name", { name: "Ann B/é?#" })).toEqual(["PATCH", "/api/people/Ann%20B%2F%C3%A9%3F%23"]);
    expect(request("DELETE /api/people/:name/sessions", { name: "Bo" })).toEqual(["DELETE", "/api/people/Bo/sessions"]);
  });

  it("adds the query, leaving out what is not given", () => {
    expect(request("GET /api/audit", {}, { limit: 50, download: undefined })).toEqual(["GET", "/api/audit?limit=50"]);
    expect(request("GET /api/people")).toEqual(["GET", "/api/people"]);
  });
});
