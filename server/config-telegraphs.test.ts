// The telegraphs a config file declares (issue 16): the flags' one stays the default unless the file
// names another, or none; every mistake stops start-up with one line naming the file and the key.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_FACE } from "../lib/face";
import { loadConfig } from "./config";

let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true });
  dirs = [];
});

const FACE = [
  { position: 0, name: "stop", label: "STOP" },
  { position: 1, name: "go", label: "GO" },
];

/** A working folder with this config file (and a face file), and loadConfig run in it. */
function withConfig(config: unknown) {
  const dir = mkdtempSync(path.join(tmpdir(), "chadburn-telegraphs-"));
  dirs.push(dir);
  mkdirSync(path.join(dir, "faces"));
  writeFileSync(path.join(dir, "faces", "two.json"), JSON.stringify(FACE));
  writeFileSync(path.join(dir, "chadburn.config.json"), JSON.stringify(config));
  return { dir, load: (argv: string[] = [], env: Record<string, string> = {}) => loadConfig(argv, env as NodeJS.ProcessEnv, dir) };
}

const workshop = { slug: "workshop", title: "Workshop", statusFile: "workshop/status.eot", acceptFile: "workshop/accept.eot" };
const kitchen = { slug: "kitchen", title: "Kitchen", face: "faces/two.json" };

describe("telegraphs in the config file", () => {
  it("declared beside the flags' telegraph, which stays the default at /: paths from the file's folder, soft when it has no link", () => {
    const { dir, load } = withConfig({ telegraphs: [workshop, kitchen] });
    const config = load()!;
    expect(config.defaultTelegraph).toBe("default");
    expect(config.telegraphs.map((t) => [t.slug, t.title])).toEqual([
      ["default", "Telegraph"],
      ["workshop", "Workshop"],
      ["kitchen", "Kitchen"],
    ]);
    expect(config.telegraphs[0]).toMatchObject({ statusFile: path.join(dir, "data/status.eot"), face: DEFAULT_FACE });
    expect(config.telegraphs[1]).toMatchObject({
      statusFile: path.join(dir, "workshop/status.eot"),
      acceptFile: path.join(dir, "workshop/accept.eot"),
    });
    expect(config.telegraphs[2]).toEqual({ slug: "kitchen", title: "Kitchen", face: FACE, baud: 9600 });
  });

  it('"default" names a declared telegraph (listed first), or null for none; the flags then describe no telegraph', () => {
    const lab = { slug: "lab", title: "Lab", statusFile: "lab/status.eot", acceptFile: "lab/accept.eot", serial: "auto", baud: 115200 };
    const named = withConfig({ telegraphs: [kitchen, lab], default: "lab" }).load()!;
    expect(named.defaultTelegraph).toBe("lab");
    expect(named.telegraphs.map((t) => t.slug)).toEqual(["lab", "kitchen"]);
    expect(named.telegraphs[0]).toMatchObject({ serial: "auto", baud: 115200 });
    const none = withConfig({ telegraphs: [kitchen, lab], default: null }).load()!;
    expect([none.defaultTelegraph, none.telegraphs.map((t) => t.slug)]).toEqual([null, ["kitchen", "lab"]]);
    // "default": "default" with no telegraph of that slug declared is the flags' one, as when absent.
    expect(
      withConfig({ telegraphs: [kitchen], default: "default" })
        .load()!
        .telegraphs.map((t) => t.slug),
    ).toEqual(["default", "kitchen"]);
    expect(() => withConfig({ telegraphs: [kitchen], default: "kitchen" }).load(["--status-file", "x.eot"])).toThrow(
      new Error('chadburn.config.json: statusFile: with "default": "kitchen" the flags describe no telegraph; give it in the telegraph\'s entry'),
    );
    expect(() => withConfig({ telegraphs: [kitchen], default: null }).load([], { CHADBURN_SERIAL: "auto" })).toThrow(
      /^chadburn.config.json: serial: with "default": null the flags/,
    );
  });

  it("refuses what cannot be, in one line naming the key", () => {
    const refused: [unknown, string | RegExp][] = [
      [{ telegraphs: {} }, "telegraphs: Invalid input: expected array, received object"],
      [{ telegraphs: [{ ...workshop, slug: "api" }] }, "telegraphs[0].slug: that slug is reserved for a page or route of Chadburn's"],
      [{ telegraphs: [{ ...workshop, slug: "Work Shop" }] }, "telegraphs[0].slug: a telegraph's slug is 1 to 32 lower-case letters, digits or '-'"],
      [{ telegraphs: [{ ...workshop, title: " " }] }, "telegraphs[0].title: a title is needed: a few words, shown on the panel"],
      [{ telegraphs: [{ ...workshop, colour: "red" }] }, 'telegraphs[0]: Unrecognized key: "colour"'],
      [{ telegraphs: [workshop, { ...kitchen, slug: "workshop" }] }, 'telegraphs: the slug "workshop" is declared twice'],
      [
        { telegraphs: [{ ...workshop, slug: "default" }] },
        'telegraphs: the slug "default" is the telegraph the flags describe; name yours otherwise, or add "default": "default"',
      ],
      [
        { telegraphs: [{ ...kitchen, statusFile: "k.eot" }] },
        "telegraphs[0]: statusFile and acceptFile go together (both, or neither for a soft telegraph)",
      ],
      [{ telegraphs: [{ ...kitchen, baud: 9600 }] }, "telegraphs[0].baud: only with serial"],
      [{ telegraphs: [{ ...kitchen, serial: "auto", baud: 7 }] }, "telegraphs[0].baud: must be a whole number of bits per second, 50 to 4000000"],
      [{ telegraphs: [{ ...kitchen, face: "faces/none.json" }] }, "telegraphs[0].face: ENOENT"],
      [{ telegraphs: [{ ...workshop, acceptFile: "workshop/status.eot" }] }, 'telegraphs: "workshop": the accept file must not be the status file'],
      [
        { telegraphs: [{ ...workshop, statusFile: "data/status.eot" }] },
        /^chadburn.config.json: telegraphs: "workshop" and "default" share the file \/.*\/data\/status.eot: each telegraph needs its own$/,
      ],
      [
        {
          telegraphs: [
            { ...kitchen, serial: "auto" },
            { ...workshop, serial: "auto" },
          ],
        },
        'telegraphs: "workshop" and "kitchen" share the serial device auto',
      ],
      [{ telegraphs: [kitchen], default: "lab" }, 'default: "lab" is not a declared telegraph\'s slug'],
      [{ telegraphs: [kitchen], default: 3 }, "default: "],
      [{ default: null }, "default: null needs declared telegraphs"],
      [{ telegraph: [] }, 'unknown key "telegraph" (did you mean "telegraphs"?)'],
    ];
    for (const [config, message] of refused) {
      expect(() => withConfig(config).load(), JSON.stringify(config)).toThrow(
        typeof message === "string" ? `chadburn.config.json: ${message}` : message,
      );
    }
  });
});
