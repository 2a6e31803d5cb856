// The balancer examples in deploy/ (docs/scaling.md#balancers), run as shipped, their ports
// aside, in front of two nodes on Redis: a panel on WebSocket and one on long-polling alone both
// follow the telegraph through each, and when their node is killed both reconnect to the other
// and hold the order given meanwhile.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { clusterSuite } from "./support/cluster";
import { type Client, stateWhere } from "./support/panels";
import type { ServerProcess } from "./support/processes";
import { freePort, spawnLines } from "./support/spawn";
import { waitFor, within } from "./support/wait";

const suite = clusterSuite();
const { track, dir, status } = suite;

/** The example `file` with the nodes' ports and the port it listens on: each line changed must be there, once. */
function shipped(file: string, nodes: number[], front: number, listen: RegExp): string {
  let text = readFileSync(path.resolve(import.meta.dirname, "..", file), "utf8");
  const change = (from: RegExp, to: string) => {
    expect(text.match(new RegExp(from, "gm")), `${file}: ${from}`).toHaveLength(1);
    text = text.replace(new RegExp(from, "m"), to);
  };
  change(listen, `$1127.0.0.1:${front}$2`);
  change(/127\.0\.0\.1:1873/, `127.0.0.1:${nodes[0]}`);
  change(/127\.0\.0\.1:1874/, `127.0.0.1:${nodes[1]}`);
  change(/^.*127\.0\.0\.1:1875.*\n/, ""); // two nodes here
  return text;
}

/** How each balancer is run in the foreground, on the example made from `shipped`. */
const BALANCERS = {
  haproxy(nodes: number[], front: number) {
    const config = path.join(dir(), "haproxy.cfg");
    writeFileSync(config, shipped("deploy/haproxy.cfg", nodes, front, /^(\s*bind )(?::80)()$/));
    return ["haproxy", "-db", "-f", config];
  },
  nginx(nodes: number[], front: number) {
    const folder = dir();
    writeFileSync(path.join(folder, "chadburn.conf"), shipped("deploy/nginx-nodes.conf", nodes, front, /^(\s*listen )(?:80)(;)$/));
    // What /etc/nginx/nginx.conf would give, in the test's folder.
    const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((kind) => `${kind}_temp_path ${folder}/${kind};`).join(" ");
    const main = `daemon off; pid ${folder}/nginx.pid; error_log stderr warn; events {}
      http { access_log off; ${temp} include ${folder}/chadburn.conf; }`;
    writeFileSync(path.join(folder, "nginx.conf"), main);
    return ["nginx", "-e", "stderr", "-c", path.join(folder, "nginx.conf")];
  },
};

/** A panel through the balancer, on `transport` alone, reconnecting as the panel does, once it holds the writer's snapshot. */
const panel = (url: string, transport: "websocket" | "polling"): Promise<Client> =>
  suite.panelOf({ url }, { transports: [transport], reconnection: true, reconnectionDelay: 100 });

const orderOn = (panels: Client[], position: number) =>
  within(Promise.all(panels.map((p) => stateWhere(p, (s) => s.order?.position === position))), `order ${position} on every panel`, 20_000);

describe.each(Object.keys(BALANCERS) as (keyof typeof BALANCERS)[])("deploy/'s %s example", (balancer) => {
  it("takes panels on WebSocket and on long-polling to a node, and to another when theirs dies", { timeout: 60_000 }, async () => {
    const nodes = await suite.startNodes(2, ["--trust-proxy", "loopback"]);
    const front = await freePort();
    const command = BALANCERS[balancer](
      nodes.map((n) => Number(new URL(n.url).port)),
      front,
    );
    track.child(spawnLines(command, () => {})); // a config it cannot run: it exits, and never passes the wait below
    const url = `http://127.0.0.1:${front}`;
    await waitFor(
      async () => (await fetch(`${url}/readyz`).catch(() => null))?.status === 200 || null,
      `${balancer} passing on a ready node`,
      15_000,
    );

    const panels = [await panel(url, "websocket"), await panel(url, "polling")];
    const first = orderOn(panels, 5);
    status(5);
    await first;

    // Both panels come from one address: one node has them.
    const count = async (n: ServerProcess) => Number(/^chadburn_panels_connected (\d+)$/m.exec(await (await fetch(`${n.url}/metrics`)).text())?.[1]);
    const theirs = nodes[(await Promise.all(nodes.map(count))).indexOf(2)];
    expect(theirs).toBeDefined();
    process.kill(theirs.pid, "SIGKILL");
    const moved = orderOn(panels, 6);
    status(6); // read by the other node, once it writes
    for (const { order } of await moved) expect(order?.position).toBe(6);
    const other = nodes.find((n) => n !== theirs)!;
    expect(await count(other)).toBe(2);
  });
});
