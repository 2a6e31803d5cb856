// The deployment files as shipped: the systemd unit passes systemd's own checker, and the unit and
// the Dockerfile start the server the way `npm start` does, from files that exist.
import { execFile } from "node:child_process";
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../server/config";

const root = path.resolve(import.meta.dirname, "..");
const read = (file: string) => readFileSync(path.join(root, file), "utf8");
const temp = mkdtempSync(path.join(tmpdir(), "chadburn-deploy-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/**
 * The server without the build step: server/main.ts as node's script, as `npm run dev` runs it
 * but for --dev (["--import", "tsx", "server/main.ts"]). `npm start` (`chadburn start`) serves
 * the same way once it has built the panel if needed.
 */
function serverArgs(): string[] {
  const dev: string = JSON.parse(read("package.json")).scripts.dev;
  const [node, ...args] = dev.split(/\s+/);
  expect(node).toBe("node");
  expect(args.pop()).toBe("--dev");
  return args;
}

/** A unit file's settings, KEY → values in order, across its sections; comments and blank lines left out. */
function unitSettings(text: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  for (const line of text.split("\n")) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (match) settings.set(match[1], [...(settings.get(match[1]) ?? []), match[2]]);
  }
  return settings;
}

function which(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const file = path.join(dir, command);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {}
  }
  return undefined;
}

function run(file: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env: { ...process.env, SYSTEMD_COLORS: "0" } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

describe("deploy/chadburn.service", () => {
  const unit = read("deploy/chadburn.service");
  const settings = unitSettings(unit);
  const node = "/usr/bin/node";

  it("passes `systemd-analyze verify`: no unknown section or key, no value systemd cannot parse", async () => {
    const analyze = which("systemd-analyze");
    if (!analyze) {
      throw new Error(
        "systemd-analyze is not installed: install Debian's systemd package (apt-get install systemd) to check deploy/chadburn.service",
      );
    }
    // The file as shipped, under its own name (verify checks that the name fits the type). Only on a
    // machine whose Node.js is elsewhere is ExecStart's program replaced by this one, which exists:
    // verify fails on a program that does not, and where node is installed is the admin's to say.
    const file = path.join(temp, "chadburn.service");
    const nodeHere = existsSync(node) ? unit : unit.replace(`ExecStart=${node} `, `ExecStart=${process.execPath} `);
    writeFileSync(file, nodeHere);
    const { code, output } = await run(analyze, ["verify", "--man=no", file]);
    // systemd's parser warns and carries on ("Unknown key …, ignoring", "Failed to parse …, ignoring",
    // "Invalid …"): those lines are the unit's mistakes, whatever the exit status says.
    const complaints = output.split("\n").filter((line) => /ignoring|unknown|invalid|failed to parse|not executable/i.test(line));
    expect(complaints, output).toEqual([]);
    expect(code, output).toBe(0);
  });

  it("starts the built server itself, as npm start does without its build step, on the state directory", () => {
    expect(settings.get("ExecStart")).toEqual([[node, ...serverArgs(), "--data-dir", `/var/lib/${settings.get("StateDirectory")}`].join(" ")]);
    expect(settings.get("WorkingDirectory")).toEqual(["/opt/chadburn"]);
    expect(settings.get("User")).toEqual(["chadburn"]);
    expect(settings.get("SupplementaryGroups")).toEqual(["dialout"]);
  });

  it("waits longer than the server's 5 s shutdown before killing it, and restarts it only on failure", () => {
    expect(settings.get("KillSignal")).toEqual(["SIGTERM"]);
    expect(Number(settings.get("TimeoutStopSec"))).toBeGreaterThan(5);
    expect(settings.get("Restart")).toEqual(["on-failure"]);
  });

  it("leaves Node.js its JIT and the serial device reachable", () => {
    expect(settings.has("MemoryDenyWriteExecute")).toBe(false); // V8 compiles to writable, executable memory
    expect(settings.has("PrivateDevices")).toBe(false); // would hide /dev/ttyACM*
    expect(settings.get("DevicePolicy")).toEqual(["closed"]);
    expect(settings.get("DeviceAllow")).toContain("char-ttyACM rw");
  });
});

describe("Dockerfile", () => {
  // One instruction a line: continuation lines joined, comments left out.
  const instructions = read("Dockerfile")
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"));
  const ignored = read(".dockerignore")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"))
    .map((pattern) => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*")}(/|$)`));
  /** In the build context: in the repository, and not left out by .dockerignore. */
  const inContext = (file: string) => existsSync(path.join(root, file)) && !ignored.some((pattern) => pattern.test(file));

  it("copies into the build only what the build context holds, and into the image only that or what the build makes", () => {
    const copies = instructions.filter((line) => line.startsWith("COPY "));
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      const words = copy.split(/\s+/).slice(1);
      const from = words.find((word) => word.startsWith("--from="));
      const sources = words.filter((word) => !word.startsWith("--")).slice(0, -1);
      for (const source of sources) {
        if (!from) {
          if (source !== ".") expect(inContext(source), `${copy}: ${source}`).toBe(true);
          continue;
        }
        expect(source, copy).toMatch(/^\/app(\/|$)/); // the build stage's WORKDIR
        const file = source.replace(/^\/app\/?/, "");
        expect(["", "node_modules", ".next"].includes(file) || inContext(file), `${copy}: ${file}`).toBe(true);
      }
    }
  });

  it("leaves what is built or installed here, and the data, out of the build context", () => {
    for (const file of ["node_modules", ".next", "data", ".git", "test-results"]) expect(inContext(file), file).toBe(false);
    for (const file of ["package.json", "package-lock.json", "server/main.ts", "lib", "app"]) expect(inContext(file), file).toBe(true);
  });

  it("runs the server as npm start does, on the volume, on the port it serves and checks", () => {
    const port = loadConfig([], {} as NodeJS.ProcessEnv, temp)!.port; // the default
    const cmd = instructions.filter((line) => line.startsWith("CMD ")).map((line) => JSON.parse(line.slice("CMD ".length)));
    expect(cmd).toEqual([["node", ...serverArgs(), "--data-dir", "/data"]]);
    expect(instructions).toContain("VOLUME /data");
    expect(instructions).toContain(`EXPOSE ${port}`);
    expect(instructions.find((line) => line.startsWith("HEALTHCHECK"))).toContain(`http://127.0.0.1:${port}/healthz`);
    expect(instructions.filter((line) => line.startsWith("USER "))).toEqual(["USER node"]);
  });
});
