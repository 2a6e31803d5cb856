import { describe, expect, it } from "vitest";
import { shownInvite } from "./inviteUrl";

const code = "#signin_abc";

describe("the sign-in link the admin page shows", () => {
  it("the server's own link when it names a public URL, whatever address the page is on", () => {
    expect(shownInvite(`https://chadburn.lab.example/welcome${code}`, "http://localhost:1873/admin")).toBe(
      `https://chadburn.lab.example/welcome${code}`,
    );
    expect(shownInvite(`http://lab-pc:1873/welcome${code}`, "http://192.168.1.20:1873/admin")).toBe(`http://lab-pc:1873/welcome${code}`);
  });

  it("a loopback link is shown on the page's origin, unless the page is on loopback too", () => {
    for (const loopback of ["http://localhost:1873", "http://127.0.0.1:1873", "http://[::1]:1873"]) {
      expect(shownInvite(`${loopback}/welcome${code}`, "http://lab-pc:1873/admin")).toBe(`http://lab-pc:1873/welcome${code}`);
      expect(shownInvite(`${loopback}/welcome${code}`, "http://localhost:1873/admin")).toBe(`${loopback}/welcome${code}`);
    }
    expect(shownInvite(`http://localhost:1873/welcome${code}`, "https://chadburn.example.org/admin")).toBe(
      `https://chadburn.example.org/welcome${code}`,
    );
  });
});
