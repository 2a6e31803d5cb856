"use client";
// The panel's notification settings, behind one compact button beside the bell: notifications
// on this device (the browser's permission asked for only when the person presses "Enable
// notifications"), and for each position on the face whether its orders notify and ring. Where
// the browser cannot notify, it says why; a page served over plain HTTP says so in the panel.
// Web Push (usePush) notifies this device even with the panel closed.
import Link from "next/link";
import { useId, useState, useSyncExternalStore } from "react";
import type { Face } from "../lib/protocol";
import styles from "./Notifications.module.css";
import { type PreferencesApi, choiceFor } from "./usePreferences";
import { type PushState, onPermissionChange, resync, usePush } from "./usePush";

/** What the browser allows here: the Notification permission, or why there is none. */
type Availability = "unsupported" | "insecure" | NotificationPermission;
type State = "on" | "off" | "blocked" | "insecure" | "unsupported";

function availability(): Availability {
  // Before the API itself: browsers hide it on plain HTTP, or keep it and refuse every request.
  if (!window.isSecureContext) return "insecure";
  if (typeof Notification === "undefined") return "unsupported";
  return Notification.permission;
}

/** Unknown while rendered on the server. */
const unknown = () => null;

const STATE_TEXT: Record<State, string> = {
  on: "on",
  off: "off",
  blocked: "blocked",
  insecure: "need HTTPS",
  unsupported: "unavailable",
};

/** Why this device cannot have orders pushed, or what having them means. */
function pushWords(push: PushState): string {
  if (push.error) return `Not done: ${push.error}.`;
  switch (push.support) {
    case "insecure":
      return "This needs HTTPS too.";
    case "unsupported":
      return "This browser cannot be notified with the panel closed (on an iPhone or iPad, add the panel to the Home Screen first).";
    case "denied":
      return "The browser blocks notifications from this panel.";
    case "ready":
      // The browser's maker runs the push service: pushes cross the internet, both ways.
      return "Orders come through the browser maker's push service: this device and the Chadburn server need the internet for it.";
  }
}

/** The one sentence a panel on plain HTTP shows, instead of silently going without. */
function HttpsSentence() {
  return (
    <>
      Notifications need HTTPS, and this panel is served over plain HTTP: see <Link href="/help/https">how to serve it over HTTPS</Link>.
    </>
  );
}

/** The settings of the panel of the telegraph `slug` (undefined: the default telegraph): `preferences` are that telegraph's. */
export default function Notifications({ face, preferences, slug }: { face: Face | null; preferences: PreferencesApi; slug?: string }) {
  const { preferences: chosen, choose, setNotifications, hideHttpsNotice } = preferences;
  // Read again at every render too: after a permission request or a push subscription, say.
  const available = useSyncExternalStore(onPermissionChange, availability, unknown);
  const [open, setOpen] = useState(false);
  const [asking, setAsking] = useState(false);
  const push = usePush(slug);
  const id = useId();

  /** From the click itself: browsers ignore (or hold against the page) a request without one. */
  const enable = async () => {
    setAsking(true);
    try {
      const permission = await Notification.requestPermission();
      if (permission === "granted") setNotifications(true);
    } catch {}
    setAsking(false);
  };

  /** Orders pushed with the panel closed: that is notifications on, too (the same permission). */
  // What this browser is not notified of is not pushed to it either: the server is told at once.
  const chooseNotify = (name: string, on: boolean) => {
    choose(name, "notify", on);
    if (push.subscribed) void resync(slug, { now: true });
  };

  const choosePush = async (on: boolean) => {
    if (!on) return void (await push.unsubscribe());
    const result = await push.subscribe();
    if (result.ok) setNotifications(true);
  };

  const turnOff = () => {
    setNotifications(false);
    if (push.subscribed) void push.unsubscribe();
  };

  const state: State | null =
    available === null
      ? null
      : available === "insecure" || available === "unsupported"
        ? available
        : available === "denied"
          ? "blocked"
          : available === "granted" && chosen.notifications
            ? "on"
            : "off";

  return (
    <>
      <div className={styles.control} data-testid="notifications" data-state={state ?? undefined}>
        <button type="button" aria-expanded={open} aria-controls={id} onClick={() => setOpen(!open)}>
          Notifications{state && `: ${STATE_TEXT[state]}`}
        </button>
      </div>

      {open && (
        <section id={id} className={styles.settings} aria-label="Notification settings" data-testid="notification-settings">
          <p className={styles.status}>
            {state === "insecure" && <HttpsSentence />}
            {state === "unsupported" &&
              "This browser cannot show notifications from a page (on an iPhone or iPad, add the panel to the Home Screen first)."}
            {state === "blocked" &&
              "The browser blocks notifications from this panel: allow them in its site settings (the icon left of the address)."}
            {state === "off" && "Orders that come while the panel is hidden can show as notifications on this device."}
            {state === "on" && "On: orders that come while the panel is hidden show as notifications on this device."}
          </p>
          {state === "off" && (
            <button type="button" onClick={enable} disabled={asking}>
              Enable notifications
            </button>
          )}
          {state === "on" && (
            <button type="button" onClick={turnOff}>
              Turn notifications off
            </button>
          )}

          <div className={styles.push}>
            <label>
              <input
                type="checkbox"
                checked={push.subscribed === true}
                disabled={push.support !== "ready" || push.busy || push.subscribed === null}
                onChange={(e) => void choosePush(e.target.checked)}
              />
              Notify this device even when the panel is closed
            </label>
            <p className={styles.why} data-testid="push-why">
              {pushWords(push)}
            </p>
          </div>

          {face && (
            <table className={styles.choices}>
              <caption>Which orders notify and ring here</caption>
              <thead>
                <tr>
                  <th scope="col">Order</th>
                  <th scope="col">Notify</th>
                  <th scope="col">Ring</th>
                </tr>
              </thead>
              <tbody>
                {face.map((p) => {
                  const choice = choiceFor(chosen, p.name);
                  return (
                    <tr key={p.name}>
                      <th scope="row" title={p.hint}>
                        {p.label}
                      </th>
                      <td>
                        <input
                          type="checkbox"
                          aria-label={`Notify for ${p.label}`}
                          checked={choice.notify}
                          onChange={(e) => chooseNotify(p.name, e.target.checked)}
                        />
                      </td>
                      <td>
                        <input
                          type="checkbox"
                          aria-label={`Ring for ${p.label}`}
                          checked={choice.ring}
                          onChange={(e) => choose(p.name, "ring", e.target.checked)}
                        />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </section>
      )}

      {state === "insecure" && !chosen.hideHttpsNotice && (
        <p className={styles.notice} data-testid="https-notice">
          <span>
            <HttpsSentence />
          </span>
          <button type="button" onClick={hideHttpsNotice} aria-label="Hide this notice">
            Hide
          </button>
        </p>
      )}
    </>
  );
}
