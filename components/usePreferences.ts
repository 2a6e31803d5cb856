// What this browser's person chose: whether this device shows notifications at all, and for each
// position on the face whether its orders notify and ring (say, SIWOTI silent). Kept in
// localStorage, shared by the panel's tabs; positions are known by name, so a face that renumbers
// them keeps the choices. Anything unreadable in storage counts as the defaults: all on. Each
// telegraph has its own choices (issue 16): the default telegraph's under today's key.
import { useCallback, useEffect, useRef, useState } from "react";

export const PREFERENCES_KEY = "chadburn.preferences";

/**
 * A telegraph's key in storage for what `base` keeps: the default telegraph's (no slug) is `base`
 * itself, as before several telegraphs, so choices made then survive; another's ends in its slug.
 */
export const storageKey = (base: string, slug?: string) => (slug ? `${base}.${slug}` : base);
const VERSION = 1;

export interface PositionChoice {
  notify: boolean;
  ring: boolean;
}

export interface Preferences {
  /** This device shows notifications (the person enabled them here; the browser's permission is apart). */
  notifications: boolean;
  /** By position name; a position not listed notifies and rings. */
  positions: Record<string, PositionChoice>;
  /** The person hid the panel's "needs HTTPS" sentence (it stays in the notification settings). */
  hideHttpsNotice: boolean;
}

export const DEFAULT_PREFERENCES: Preferences = { notifications: false, positions: {}, hideHttpsNotice: false };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** The stored preferences, or the defaults for whatever is missing, of another version, or garbage. */
export function readPreferences(raw: string | null): Preferences {
  let stored: unknown;
  try {
    stored = JSON.parse(raw ?? "null");
  } catch {
    return DEFAULT_PREFERENCES;
  }
  if (!isObject(stored) || stored.version !== VERSION) return DEFAULT_PREFERENCES;
  const positions: Record<string, PositionChoice> = {};
  if (isObject(stored.positions)) {
    for (const [name, choice] of Object.entries(stored.positions)) {
      if (!isObject(choice)) continue;
      positions[name] = { notify: choice.notify !== false, ring: choice.ring !== false };
    }
  }
  return { notifications: stored.notifications === true, positions, hideHttpsNotice: stored.hideHttpsNotice === true };
}

export function writePreferences(preferences: Preferences): string {
  // Only the positions someone turned something off for: the defaults need no storing.
  const positions = Object.fromEntries(Object.entries(preferences.positions).filter(([, c]) => !c.notify || !c.ring));
  return JSON.stringify({ version: VERSION, ...preferences, positions });
}

export const choiceFor = (preferences: Preferences, name: string): PositionChoice => preferences.positions[name] ?? { notify: true, ring: true };

/** The choices for the telegraph `slug` (undefined: the default telegraph). */
export function usePreferences(slug?: string) {
  const key = storageKey(PREFERENCES_KEY, slug);
  const [preferences, setPreferences] = useState<Preferences>(DEFAULT_PREFERENCES);
  // The ring and notify decisions read the latest choices without changing identity.
  const current = useRef(preferences);

  useEffect(() => {
    const load = () => {
      let raw: string | null = null;
      try {
        raw = localStorage.getItem(key);
      } catch {} // storage refused (some private modes): the defaults
      current.current = readPreferences(raw);
      setPreferences(current.current);
    };
    load();
    // Chosen in another tab of the panel: this one follows.
    const onStorage = (event: StorageEvent) => (event.key === key || event.key === null) && load();
    window.addEventListener("storage", onStorage);
    return () => window.removeEventListener("storage", onStorage);
  }, [key]);

  const update = useCallback(
    (change: (p: Preferences) => Preferences) => {
      current.current = change(current.current);
      setPreferences(current.current);
      try {
        localStorage.setItem(key, writePreferences(current.current));
      } catch {} // kept for this page only
    },
    [key],
  );

  /** Orders at this position ring the bell (and vibrate). */
  const rings = useCallback((name: string) => choiceFor(current.current, name).ring, []);
  /** Orders at this position show a notification while the panel is hidden, if notifications are on here. */
  const notifies = useCallback((name: string) => current.current.notifications && choiceFor(current.current, name).notify, []);

  const choose = useCallback(
    (name: string, kind: keyof PositionChoice, on: boolean) =>
      update((p) => ({ ...p, positions: { ...p.positions, [name]: { ...choiceFor(p, name), [kind]: on } } })),
    [update],
  );
  const setNotifications = useCallback((on: boolean) => update((p) => ({ ...p, notifications: on })), [update]);
  const hideHttpsNotice = useCallback(() => update((p) => ({ ...p, hideHttpsNotice: true })), [update]);

  return { preferences, rings, notifies, choose, setNotifications, hideHttpsNotice };
}

export type PreferencesApi = ReturnType<typeof usePreferences>;
