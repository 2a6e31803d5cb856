// What the MQTT bridge's commands do (bridge.ts): an order or answer, given as the HTTP API gives
// one (gateway/given.ts), with the rights of the API token the bridge was given (--mqtt-token; a
// revoked one stops working at once), and named in the audit log by the bridge's client id.
import type { Reply } from "../../lib/protocol";
import { may, refusal, roleOn } from "../../lib/roles";
import { given } from "../gateway/given";
import type { Identify } from "../people/identity";
import type { Telegraphs } from "../telegraphs";
import { CURRENT, type Command } from "./topics";

export function mqttCommands(telegraphs: Telegraphs, who: Identify, listening: (slug: string) => number, token: string | undefined) {
  return async ({ slug, type, position }: Command, client: string): Promise<Reply> => {
    const served = telegraphs.get(slug);
    if (!served) return { ok: false, error: `no telegraph is called ${JSON.stringify(slug)}` };
    if (token === undefined) return { ok: false, error: "the bridge only tells: give it an API token (--mqtt-token) to order and answer" };
    const found = who({ token });
    if (!found.ok) return found;
    if (!may(roleOn(found.identity, slug), type)) return { ok: false, error: refusal(type) };
    // Home Assistant's "Answer" button: the current order, whichever it is.
    if (type === "answer" && position === CURRENT) {
      const current = served.dispatch.snapshot().order;
      if (!current) return { ok: false, error: "there is no order to answer" };
      position = current.position;
    }
    const where = { address: `mqtt ${client}`, connection: client };
    const event = given(type, { position }, found.identity, "mqtt", where, { face: served.face, listening: () => listening(slug) });
    const result = event.ok ? await served.dispatch.handle(event.event) : event;
    return result.ok ? { ok: true } : result;
  };
}
