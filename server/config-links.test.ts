// One file named two ways, on a real file system: a symbolic link to it or to its folder, a hard
// link, a serial device by its /dev/serial/by-id name. The accept file written would be read back
// as an order; two telegraphs on one file would each read the other's: refused at start, by name.
import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, expect, it } from "vitest";
import { loadConfig } from "./config";

let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true });
  dirs = [];
});

/** A working folder with `data/status.eot` in it and this config file; loadConfig runs in it. */
function folder(config?: unknown) {
  const dir = mkdtempSync(path.join(tmpdir(), "chadburn-links-"));
  dirs.push(dir);
  mkdirSync(path.join(dir, "data"));
  writeFileSync(path.join(dir, "data", "status.eot"), "6\n");
  if (config) writeFileSync(path.join(dir, "chadburn.config.json"), JSON.stringify(config));
  const at = (name: string) => path.join(dir, name);
  return { at, load: (...argv: string[]) => loadConfig(["--data-dir", at("data"), ...argv], {} as NodeJS.ProcessEnv, dir) };
}

it("refuses an accept file that is the status file through a link to it, a link to its folder or a hard link", () => {
  const { at, load } = folder();
  symlinkSync(at("data/status.eot"), at("link.eot"));
  symlinkSync(at("data"), at("also"));
  linkSync(at("data/status.eot"), at("hard.eot"));
  for (const accept of ["link.eot", "also/status.eot", "hard.eot"])
    expect(() => load("--accept-file", accept)).toThrow(
      `--accept-file: must not be the status file (${at(accept)} is ${at("data/status.eot")}, through a link)`,
    );
  // Through a link to the folder, before the host has written the file: the same place.
  expect(() => load("--status-file", "data/new.eot", "--accept-file", "also/new.eot")).toThrow(/^--accept-file: must not be the status file \(/);
  // Another file, a link to one that is not there yet, a file of the same name elsewhere: welcome.
  symlinkSync(at("data/nowhere.eot"), at("dangling.eot"));
  for (const accept of ["data/accept.eot", "dangling.eot", "accept/status.eot"]) expect(load("--accept-file", accept)?.acceptFile).toBe(at(accept));
});

it("refuses two telegraphs on one file or one serial device, however each names it", () => {
  const workshop = { slug: "workshop", title: "Workshop", statusFile: "w/status.eot", acceptFile: "w/accept.eot" };
  const refused: [unknown, (at: (name: string) => string) => string][] = [
    [
      { telegraphs: [{ ...workshop, statusFile: "also/status.eot" }] },
      (at) =>
        `"workshop" and "default" share the file ${at("also/status.eot")} (${at("also/status.eot")} is ${at("data/status.eot")}, through a link)`,
    ],
    [
      { telegraphs: [{ ...workshop, acceptFile: "link.eot" }] },
      (at) => `"workshop" and "default" share the file ${at("link.eot")} (${at("link.eot")} is ${at("data/status.eot")}, through a link)`,
    ],
    [{ telegraphs: [{ ...workshop, acceptFile: "w/status-too.eot" }] }, () => `"workshop": the accept file must not be the status file`],
    [
      {
        telegraphs: [
          { slug: "a", title: "A", serial: "/dev/null" },
          { slug: "b", title: "B", serial: "by-id" },
        ],
      },
      (at) => `"b" and "a" share the serial device ${at("by-id")} (${at("by-id")} is /dev/null, through a link)`,
    ],
  ];
  for (const [config, message] of refused) {
    const { at, load } = folder(config);
    symlinkSync(at("data"), at("also"));
    symlinkSync(at("data/status.eot"), at("link.eot"));
    symlinkSync("/dev/null", at("by-id"));
    mkdirSync(at("w"));
    writeFileSync(at("w/status.eot"), "");
    linkSync(at("w/status.eot"), at("w/status-too.eot"));
    expect(() => load(), JSON.stringify(config)).toThrow(`chadburn.config.json: telegraphs: ${message(at)}`);
  }
});
