// Each test gets its own Chadburn (production build) on a free loopback port, its own files,
// and a simulated telegraph: writing into the files, or with `test.use({ link: "serial" })` on a
// socat pty that the server opens as its serial device.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type BrowserContext, type BrowserContextOptions, type Page, test as base, expect } from "@playwright/test";
import { type Spawned, freePort, listeningOn, spawnReady } from "../test/support/spawn";

/** Most tests give orders from panels nobody signed in to; a test's own --anonymous comes later and wins. */
const ANONYMOUS_BRIDGE = ["--anonymous", "bridge"];

/** A process of the test's own (the server, the simulator) whose output lines can be awaited. */
interface Proc extends Omit<Spawned, "stop"> {
  readonly lines: string[];
  /** Resolves with the line `found` took as saying the process is ready. */
  ready: Promise<string>;
  /** The first line from now on (or already seen, if `seen`) that matches. */
  waitFor(pattern: RegExp, options?: { seen?: boolean }): Promise<string>;
  /** Signals it (SIGTERM unless told) and resolves with its exit code once it has exited. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** `node --import tsx ARGS` in the project, ready once a line passes `ready`; no bound but the test's own timeout. */
function node(args: string[], ready: (line: string) => string | undefined, what: string): Proc {
  const lines: string[] = [];
  const spawned = spawnReady([process.execPath, "--import", "tsx", ...args], ready, {
    what,
    ms: Infinity,
    stdin: true,
    env: { FORCE_COLOR: "0" },
    onLine: (line) => lines.push(line),
  });
  return {
    ...spawned,
    lines,
    waitFor(pattern, { seen = false } = {}) {
      let next = seen ? 0 : lines.length;
      let found: string | undefined;
      const match = () => {
        for (; found === undefined && next < lines.length; next++) if (pattern.test(lines[next])) found = lines[next];
        return found !== undefined;
      };
      return spawned.until(match, `a line matching ${pattern}`, Infinity).then(() => found!);
    },
    async stop(signal = "SIGTERM") {
      await spawned.stop(signal);
      return (await spawned.exited)[0];
    },
  };
}

export class Telegraph {
  server!: Proc;
  url = "";
  /** With the serial link: the simulator's pty, the server's --serial. */
  device?: string;
  constructor(
    readonly dir: string,
    readonly port: number,
    readonly sim: Proc,
    readonly flags: string[] = [],
  ) {}

  get statusFile() {
    return path.join(this.dir, "status.eot");
  }
  get acceptFile() {
    return path.join(this.dir, "accept.eot");
  }

  async startServer(): Promise<void> {
    const serial = this.device ? ["--serial", this.device] : [];
    const args = [
      "server/main.ts",
      "--port",
      String(this.port),
      "--host",
      "127.0.0.1",
      "--data-dir",
      this.dir,
      ...serial,
      ...ANONYMOUS_BRIDGE,
      ...this.flags,
    ];
    this.server = node(args, listeningOn, "the server to listen");
    await this.server.ready;
    this.url = `http://127.0.0.1:${this.port}`;
  }

  /** The simulated telegraph gives this order (into the status file, or down the serial line). */
  async order(position: string): Promise<void> {
    await this.command(position, /^order \d+/);
  }

  /** Types a command into the simulator; resolves with the line it prints when done. */
  async command(line: string, done: RegExp): Promise<string> {
    const printed = this.sim.waitFor(done);
    this.sim.child.stdin!.write(`${line}\n`);
    return printed;
  }

  read(file: string): Promise<string> {
    return readFile(file, "utf8");
  }
}

/** A panel in its own browser context (its own storage: another person), watched for console errors. */
export interface Panel extends Page {
  errors: string[];
}

export interface PanelOptions {
  /** Typed into "Your name". */
  name?: string;
  /** "armed": a person enabled the sound; "muted": they muted the bell; else the browser keeps it blocked. */
  sound?: "armed" | "muted";
  /** The page's clock in the test's hands (page.clock): time flows as usual until the test moves it on. */
  clock?: boolean;
}

/** `page`, its console errors and uncaught exceptions collected in `errors`. */
function watched(page: Page): Panel {
  const panel = page as Panel;
  panel.errors = [];
  panel.on("console", (m) => m.type() === "error" && panel.errors.push(m.text()));
  panel.on("pageerror", (e) => panel.errors.push(e.message));
  return panel;
}

/** Loads the panel in `page`, watched for console errors, and waits until it is connected. */
export async function loadPanel(page: Page, url: string, { name, sound, clock }: PanelOptions = {}): Promise<Panel> {
  const panel = watched(page);
  if (clock) await panel.clock.install();
  await panel.goto(url);
  await expect(panel.getByTestId("connection")).toHaveText("connected");
  if (name) await panel.getByLabel("Your name").fill(name);
  if (sound) {
    await panel.getByRole("button", { name: sound === "armed" ? "Enable sound" : "Mute bell" }).click();
    await expect(panel.getByTestId("sound")).toHaveAttribute("data-state", sound);
  }
  return panel;
}

export const test = base.extend<{
  /** How the simulated telegraph reaches the server. */
  link: "file" | "serial";
  /** More of the server's flags, e.g. ["--anonymous", "viewer"]. */
  serverFlags: string[];
  /** A face file for the server and the simulated telegraph alike; the default face otherwise. */
  face: string | undefined;
  telegraph: Telegraph;
  openPanel: (options?: PanelOptions & { context?: BrowserContextOptions }) => Promise<Panel>;
  /** A blank page in a browser context of its own (another person), watched for console errors. */
  newPage: (options?: { context?: BrowserContextOptions }) => Promise<Panel>;
}>({
  link: ["file", { option: true }],
  serverFlags: [[], { option: true }],
  face: [undefined, { option: true }],
  telegraph: async ({ link, serverFlags, face }, use) => {
    const faceFlags = face ? ["--face", face] : [];
    const dir = await mkdtemp(path.join(tmpdir(), "chadburn-e2e-"));
    const simArgs = ["sim/telegraph.ts", "--data-dir", dir, "--manual", ...faceFlags, ...(link === "serial" ? ["--serial"] : [])];
    const sim = node(simArgs, (line) => (/^sim: (status file|serial device) /.test(line) ? line : undefined), "the simulator to start");
    const telegraph = new Telegraph(dir, await freePort(), sim, [...faceFlags, ...serverFlags]);
    // The server opens the serial device at start: it must be there first.
    if (link === "serial") telegraph.device = (await sim.ready).replace("sim: serial device ", "");
    await Promise.all([sim.ready, telegraph.startServer()]);
    await use(telegraph);
    await Promise.all([telegraph.server.stop(), sim.stop()]);
    await rm(dir, { recursive: true, force: true });
  },
  openPanel: async ({ browser, telegraph }, use) => {
    const contexts: BrowserContext[] = [];
    await use(async ({ context, ...options } = {}) => {
      const ctx = await browser.newContext(context);
      contexts.push(ctx);
      return loadPanel(await ctx.newPage(), telegraph.url, options);
    });
    await Promise.all(contexts.map((c) => c.close()));
  },
  newPage: async ({ browser }, use) => {
    const contexts: BrowserContext[] = [];
    await use(async ({ context } = {}) => {
      const ctx = await browser.newContext(context);
      contexts.push(ctx);
      return watched(await ctx.newPage());
    });
    await Promise.all(contexts.map((c) => c.close()));
  },
});

export { expect };
