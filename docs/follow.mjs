// Follows the telegraph's order with a plain socket.io client: node docs/follow.mjs http://localhost:1873
// (docs/protocol.md#following-the-telegraph; test/changes.test.ts runs it).
import { io } from "socket.io-client";

const socket = io(process.argv[2] ?? "http://localhost:1873", { transports: ["websocket"] });
let held = null; // the snapshot: whole on connect, then kept up to date change by change
let asking = false;

socket.on("state", (snapshot) => {
  held = snapshot;
  asking = false;
  show(held.order);
});
socket.on("change", (change) => {
  if (!held || asking) return;
  if (change.epoch === held.epoch && change.version <= held.version) return; // in the snapshot already
  if (change.epoch !== held.epoch || change.version > held.version + 1) {
    asking = true; // a change was missed: the server sends `state` again
    return socket.emit("snapshot", {}, (reply) => (asking &&= reply.ok));
  }
  held.version = change.version;
  if (change.order) show((held.order = change.order));
  if (change.expired && change.expired.seq === held.order?.seq) show((held.order = null));
});

function show(order) {
  console.log(order ? `order ${order.seq}: ${order.label}${order.by ? ` from ${order.by}` : ""}` : "no order");
}
