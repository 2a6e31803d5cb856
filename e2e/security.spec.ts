// The panel under its Content Security Policy in a real browser, and a hostile page on another
// origin trying to use it: it may neither frame the panel nor open a socket to its server.
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "./fixtures";

test("the panel works under its policy: every script by this response's nonce, no eval, nothing refused", async ({ openPanel, telegraph }) => {
  const panel = await openPanel();
  const shown = (await panel.reload())!; // the page now shown, with its headers
  await expect(panel.getByTestId("connection")).toHaveText("connected");
  const csp = (await shown.headerValue("content-security-policy")) ?? "no policy";
  const nonce = /script-src 'self' 'nonce-([\w+/=]+)' 'strict-dynamic';/.exec(csp)?.[1];
  expect(nonce, csp).toBeTruthy();
  expect(csp).not.toMatch(/unsafe-eval|unsafe-inline/);
  expect(new Set(await panel.evaluate(() => [...document.scripts].map((script) => script.nonce)))).toEqual(new Set([nonce]));

  await telegraph.order("coffee");
  await expect(panel.getByTestId("order")).toContainText("COFFEE");
  await panel.getByRole("button", { name: "COFFEE", exact: true }).click();
  await expect(panel.getByTestId("acknowledged")).toHaveText("acknowledged");
  expect(panel.errors).toEqual([]);

  // The policy is enforced, and a refusal would have shown above: the browser reports each one.
  await panel.evaluate(() => setTimeout("window.name = 'evaluated'"));
  await expect.poll(() => panel.errors).toEqual([expect.stringMatching(/'unsafe-eval' is not an allowed source/)]);
  expect(await panel.evaluate(() => window.name)).toBe("");
});

test("a page on another origin can neither frame the panel nor open a socket to its server", async ({ browser, telegraph }) => {
  // On loopback too, as the panel's server is: the browser then leaves the refusing to the panel's server.
  const hostile = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end(`<iframe src="${telegraph.url}"></iframe>`);
  }).listen(0, "127.0.0.1");
  await once(hostile, "listening");
  const origin = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}`;
  const page = await browser.newPage();
  try {
    const framingRefused = page.waitForEvent("console", (message) => message.text().includes(`"frame-ancestors 'none'"`));
    await page.goto(origin);
    await framingRefused;
    await expect(page.frameLocator("iframe").getByTestId("connection")).toHaveCount(0);

    const socket = await page.evaluate(
      (url) =>
        new Promise<string>((resolve) => {
          const ws = new WebSocket(url);
          ws.onopen = () => resolve("open");
          ws.onerror = () => resolve("refused");
        }),
      `${telegraph.url.replace("http:", "ws:")}/socket.io/?EIO=4&transport=websocket`,
    );
    expect(socket).toBe("refused");
    await telegraph.server.waitFor(new RegExp(`refused requests from origin ${origin.replaceAll(".", "\\.")}:`), { seen: true });
  } finally {
    await page.close();
    hostile.close();
    hostile.closeAllConnections();
  }
});
