// What a panel's connection costs the server's memory, and where it goes (issue 15: ≤ 12 KB of heap
// per panel at 10,000). Chadburn's production server, then N clients in processes of their own that
// behave like components/useTelegraph.ts: socket.io-client, `hello` {panel, name} once connected;
// with --browser as a browser's does, long-polling first, then WebSocket, with a browser's headers.
// The server's heap after a full collection (bench/heap-probe.ts, as `npm run bench` reads it) and
// its RSS, with no panel and with N; with --snapshots <dir>, a heap snapshot at both moments, for
// bench/heap-diff.ts (by constructor, and closures by where they were made).
//
// Usage: node --import tsx bench/panel-memory.ts [--n 1000] [--procs 2] [--browser] [--snapshots <dir>] [--before <checkout>]
import { fork } from "node:child_process";
import { once } from "node:events";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { io } from "socket.io-client";
import { SOCKET_PATH } from "../lib/protocol";
import { HEAP_PROBE_ARGS, heapProbeLine, procStats } from "./proc";
import { cleanUp, startServer } from "./server";

/** A browser's headers on a same-origin request (no Accept-Encoding: Node's client would not inflate). */
const BROWSER_HEADERS = {
  "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  accept: "*/*",
  "accept-language": "en-GB,en-US;q=0.9,en;q=0.8",
  "cache-control": "no-cache",
  pragma: "no-cache",
  "sec-fetch-dest": "empty",
  "sec-fetch-mode": "cors",
  "sec-fetch-site": "same-origin",
};

if (process.argv[2] === "--clients") await clients(process.argv[3], Number(process.argv[4]), process.argv[5] === "browser");
else await main();

/** A client process: opens `n` panels, 50 at a time, tells the parent, closes them when told. */
async function clients(url: string, n: number, browser: boolean): Promise<void> {
  const sockets: { close(): void }[] = [];
  const open = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const options = browser
        ? { transports: ["polling", "websocket"], extraHeaders: { ...BROWSER_HEADERS, referer: `${url}/`, cookie: `theme=dark; tab=${i}` } }
        : { transports: ["websocket"] };
      const socket = io(url, { path: SOCKET_PATH, forceNew: true, reconnection: false, ...options });
      sockets.push(socket);
      socket.on("connect_error", reject);
      socket.once("state", () => {
        // Once on WebSocket, as a browser's panel is within a moment: the long-poll is over.
        const hello = () => socket.emit("hello", { panel: `panel-${process.pid}-${i}`, name: `Deck ${i % 50}` }, () => resolve());
        if (socket.io.engine.transport.name === "websocket") hello();
        else socket.io.engine.once("upgrade", hello);
      });
    });
  let next = 0;
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < n) await open(next++);
    }),
  );
  process.send!("up");
  process.once("message", () => {
    for (const socket of sockets) socket.close();
    setTimeout(() => process.exit(0), 200);
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      n: { type: "string", default: "1000" },
      procs: { type: "string", default: "2" },
      browser: { type: "boolean", default: false },
      snapshots: { type: "string" },
      before: { type: "string" },
    },
  });
  const n = Number(values.n);
  const procs = Number(values.procs);
  const dir = values.snapshots && path.resolve(values.snapshots);
  if (dir) await mkdir(dir, { recursive: true });
  let probed: ((line: string) => void) | undefined;
  const server = await startServer({
    name: "panel-memory",
    root: values.before && path.resolve(values.before),
    // A snapshot is written where the signal finds the server (synchronously); the probe after it.
    nodeArgs: [...HEAP_PROBE_ARGS, ...(dir ? ["--heapsnapshot-signal=SIGWINCH", `--diagnostic-dir=${dir}`] : [])],
    onLine: (line) => heapProbeLine(line) && probed?.(line),
  });
  const probe = async () => {
    const line = new Promise<string>((resolve) => (probed = resolve));
    if (dir) process.kill(server.pid, "SIGWINCH");
    process.kill(server.pid, "SIGUSR2");
    const { heap, external } = heapProbeLine(await line)!;
    return { heap: heap + external, rss: (await procStats(server.pid)).rssKb * 1024 };
  };
  await sleep(2000); // the server's start-up garbage settles
  const empty = await probe();
  const children = Array.from({ length: procs }, (_, i) => {
    const share = Math.floor(n / procs) + (i < n % procs ? 1 : 0);
    return fork(import.meta.filename, ["--clients", server.url, String(share), values.browser ? "browser" : "websocket"], {
      execArgv: ["--import", "tsx"],
    });
  });
  await Promise.all(children.map((child) => once(child, "message")));
  await sleep(3000); // presence's broadcasts and the handshakes' garbage
  const full = await probe();
  const perPanel = (key: "heap" | "rss") => ((full[key] - empty[key]) / n / 1024).toFixed(2);
  console.log(
    `${n} panels (${values.browser ? "long-polling, then WebSocket, a browser's headers" : "WebSocket"}, hello): ` +
      `heap ${perPanel("heap")} KB a panel, RSS ${perPanel("rss")} KB a panel${dir ? `; snapshots in ${dir}` : ""}`,
  );
  for (const child of children) child.send("close");
  await Promise.all(children.map((child) => once(child, "exit")));
  await cleanUp();
  process.exit(0);
}
