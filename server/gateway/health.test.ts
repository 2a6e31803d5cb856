import { describe, expect, it } from "vitest";
import type { ClusterHealth, Healthz } from "../../lib/routes";
import { RECOVERY_DEGRADES_MS, healthOf, healthzOf, withCluster, withoutPaths } from "./health";

const now = Date.parse("2026-12-06T10:32:00.000Z");
const ago = (ms: number) => new Date(now - ms).toISOString();

describe("what /healthz says", () => {
  it("ok while every link works", () => {
    expect(
      healthOf(
        [
          { link: "status-file", state: "watching" },
          { link: "serial", state: "connected" },
        ],
        now,
      ),
    ).toEqual({ status: "ok" });
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

  it("degraded while no watch can be armed on the status file, looked at often instead; ok when only its filesystem misses events", () => {
    const unwatched = "ENOSPC: System limit for number of file watchers reached: raise fs.inotify.max_user_watches";
    expect(healthOf([{ link: "status-file", state: "watching", polled: 100, unwatched }], now)).toEqual({
      status: "degraded",
      reasons: [`the status file cannot be watched (${unwatched}); it is looked at every 100 ms until it can be`],
    });
    // A network share: polling is how it is watched, nothing for anyone to put right.
    expect(healthOf([{ link: "status-file", state: "watching", polled: 100 }], now)).toEqual({ status: "ok" });
  });
});

describe("/healthz on a node of several (--redis)", () => {
  const files = healthzOf([{ slug: "default", telegraph: { link: "status-file", connected: true, since: ago(0) }, links: [] }], now);

  it("says what the node writes, and stays ok while it reaches Redis", () => {
    expect(withCluster(files, { redis: "answers", writes: ["default"] })).toEqual({ ...files, cluster: { redis: "answers", writes: ["default"] } });
  });

  it("is degraded while the node does not reach Redis, beside the links' own reasons", () => {
    const cluster: ClusterHealth = { redis: "does not answer", since: ago(3000), writes: [] };
    const broken: Healthz = { ...files, status: "degraded", reasons: ["status file unreadable since …"] };
    expect(withCluster(files, cluster)).toEqual({ ...files, status: "degraded", reasons: [`Redis does not answer since ${ago(3000)}`], cluster });
    expect(withCluster(broken, cluster)).toMatchObject({ reasons: ["status file unreadable since …", `Redis does not answer since ${ago(3000)}`] });
  });
});

describe("/healthz for callers who may not see the panel", () => {
  it("every path is reduced to its file name, wherever it is; times and words are left alone", () => {
    const at = "/srv/lab data/status.eot";
    const body = {
      status: "degraded",
      reasons: [`status file unreadable since ${ago(5000)}: cannot read it: EACCES: permission denied, open '${at}'`],
      telegraph: { link: "serial", connected: false, since: ago(1000), device: "/dev/serial/by-id/usb-PJRC_Teensy-if00" },
      links: [
        { link: "status-file", state: "error", at, error: `cannot read it: EACCES: permission denied, open '${at}'`, since: ago(5000) },
        { link: "serial", state: "disconnected", at: "/dev/ttyACM0", error: "Error: No such file or directory, cannot open /dev/ttyACM0" },
      ],
    };
    expect(withoutPaths(body, [at, "/dev/ttyACM0"])).toEqual({
      status: "degraded",
      reasons: [`status file unreadable since ${ago(5000)}: cannot read it: EACCES: permission denied, open 'status.eot'`],
      telegraph: { link: "serial", connected: false, since: ago(1000), device: "usb-PJRC_Teensy-if00" },
      links: [
        {
          link: "status-file",
          state: "error",
          at: "status.eot",
          error: "cannot read it: EACCES: permission denied, open 'status.eot'",
          since: ago(5000),
        },
        { link: "serial", state: "disconnected", at: "ttyACM0", error: "Error: No such file or directory, cannot open ttyACM0" },
      ],
    });
  });
});
