// The panel's notification settings as stored, and the flagged favicon.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_PREFERENCES, PREFERENCES_KEY, choiceFor, readPreferences, storageKey, writePreferences } from "./usePreferences";
import { FLAGGED_ICON, ICON_SVG, titleFor } from "./useTitleFlag";

describe("preferences", () => {
  it("are all on, notifications off, when nothing is stored", () => {
    expect(readPreferences(null)).toEqual(DEFAULT_PREFERENCES);
    expect(choiceFor(readPreferences(null), "siwoti")).toEqual({ notify: true, ring: true });
  });

  it("read back what was written", () => {
    const chosen = {
      notifications: true,
      hideHttpsNotice: true,
      positions: { siwoti: { notify: false, ring: false }, eww: { notify: true, ring: false } },
    };
    expect(readPreferences(writePreferences(chosen))).toEqual(chosen);
  });

  it("store only the positions with something turned off", () => {
    const stored = JSON.parse(
      writePreferences({ ...DEFAULT_PREFERENCES, positions: { coffee: { notify: true, ring: true }, eww: { notify: false, ring: true } } }),
    );
    expect(stored).toEqual({ version: 1, notifications: false, hideHttpsNotice: false, positions: { eww: { notify: false, ring: true } } });
  });

  it.each([
    ["not JSON", "{nope"],
    ["a number", "42"],
    ["an array", "[1,2]"],
    ["another version", JSON.stringify({ version: 2, notifications: true })],
    ["no version", JSON.stringify({ notifications: true })],
  ])("are the defaults when storage holds %s", (_, raw) => {
    expect(readPreferences(raw)).toEqual(DEFAULT_PREFERENCES);
  });

  it("take what they can from a damaged entry: anything but false is on", () => {
    const raw = JSON.stringify({
      version: 1,
      notifications: "yes",
      hideHttpsNotice: 1,
      positions: { siwoti: { notify: false, ring: "off" }, eww: null, coffee: [] },
    });
    expect(readPreferences(raw)).toEqual({ notifications: false, hideHttpsNotice: false, positions: { siwoti: { notify: false, ring: true } } });
    expect(readPreferences(JSON.stringify({ version: 1, positions: "all" })).positions).toEqual({});
  });

  it("are kept per telegraph: the default telegraph's under today's key, so choices from before survive; another's with its slug", () => {
    expect(storageKey(PREFERENCES_KEY)).toBe("chadburn.preferences");
    expect(storageKey(PREFERENCES_KEY, "workshop")).toBe("chadburn.preferences.workshop");
    expect(storageKey("chadburn.muted", "lab")).toBe("chadburn.muted.lab");
    // A slug has no dot: no telegraph's key is another's.
    expect(new Set(["lab", "lab-2", "workshop", undefined].map((slug) => storageKey(PREFERENCES_KEY, slug))).size).toBe(4);
  });
});

describe("the unanswered order's flag", () => {
  it("draws app/icon.svg with a red dot", () => {
    const icon = readFileSync(path.join(import.meta.dirname, "../app/icon.svg"), "utf8");
    expect(ICON_SVG.trim()).toBe(icon.trim());
    const flagged = decodeURIComponent(FLAGGED_ICON.replace(/^data:image\/svg\+xml,/, ""));
    expect(flagged).toContain(ICON_SVG.replace("</svg>", ""));
    expect(flagged).toMatch(/<circle [^>]*fill="#e5322d"/);
  });

  it("names the order in the title", () => {
    expect(titleFor({ label: "COFFEE" })).toBe("● COFFEE — Chadburn");
    expect(titleFor(null)).toBe("Chadburn");
  });
});
