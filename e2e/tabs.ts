// Tabs of a Chromium of our own, for what needs a page the browser really hides (a tab in the
// background): Playwright's own contexts hold every page as visible.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { type BrowserContext, chromium } from "@playwright/test";
import { test as base } from "./fixtures";

export const test = base.extend<{ tabs: BrowserContext }>({
  /**
   * Tabs of a Chromium of our own, attached over CDP without Playwright's defaults: Playwright's
   * focus emulation holds every page it opens as visibly captured, so a tab opened in front does
   * not hide it and CDP's freeze does nothing to it.
   */
  tabs: async ({ launchOptions }, use) => {
    const profile = await mkdtemp(path.join(tmpdir(), "chadburn-chromium-"));
    const args = [...(launchOptions.args ?? []), "--headless", "--remote-debugging-port=0", `--user-data-dir=${profile}`, "about:blank"];
    const child = spawn(launchOptions.executablePath ?? "chromium", args, { stdio: ["ignore", "ignore", "pipe"] });
    const exited = once(child, "exit");
    try {
      const endpoint = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stderr! }).on("line", (line) => {
          const match = /^DevTools listening on (ws:\S+)/.exec(line);
          if (match) resolve(match[1]);
        });
        void exited.then(([code]) => reject(new Error(`chromium exited with ${code}`)));
      });
      const browser = await chromium.connectOverCDP(endpoint, { noDefaults: true });
      await use(browser.contexts()[0]);
      await browser.close();
    } finally {
      child.kill();
      await exited;
      // Its helper processes may still write into the profile for a moment after it exits.
      await rm(profile, { recursive: true, force: true, maxRetries: 5 });
    }
  },
});

export { expect } from "./fixtures";
