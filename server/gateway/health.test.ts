import { describe, expect, it } from "vitest";
import { RECOVERY_DEGRADES_MS, healthOf } from "./health";

const now = Date.parse("2026-12-06T10:32:00.000Z");
const ago = (ms: number) => new Date(now - ms).toISOString();

describe("what /healthz says", () => {
  it("ok while every link works", () => {
    expect(healthOf([{ link: "status-file", state: "watching" }, { link: "serial", state: "connected" }], now)).toEqual({ status: "ok" });
  });

  it("degraded, with the reason and since when, while a link is in error", () => {
    expect(healthOf([{ link: "status-file", state: "error", error: "it is a directory", since: ago(5000) }], now)).toEqual({
      status: "degraded",
      reasons: [`status file unreadable since ${ago(5000)}: it is a directory`],
    });
  });

  it("degraded for a minute after the watch missed a change, ok after", () => {
    const link = (recovered: string) => [{ link: "status-file" as const, state: "watching" as const, recovered }];
    expect(healthOf(link(ago(RECOVERY_DEGRADES_MS - 1)), now)).toEqual({
      status: "degraded",
      reasons: [`the status file's watch missed a change at ${ago(RECOVERY_DEGRADES_MS - 1)} and was re-armed`],
    });
    expect(healthOf(link(ago(RECOVERY_DEGRADES_MS)), now)).toEqual({ status: "ok" });
  });
});
