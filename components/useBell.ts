// The telegraph's bell, synthesized: two strikes of a few decaying sine partials, like a ship's bell.
// Browsers keep audio suspended until a person clicks or types, so the state is explicit.
import { useCallback, useEffect, useRef, useState } from "react";
import type { Heard } from "../lib/protocol";
import { storageKey } from "./usePreferences";

export type SoundState = "armed" | "blocked" | "muted";

const MUTED_KEY = "chadburn.muted";
const FUNDAMENTAL_HZ = 880;
/** Partials of a bell: ratio to the fundamental, loudness, seconds to die away. */
const PARTIALS = [
  [1, 0.5, 1.1],
  [2.76, 0.22, 0.6],
  [5.4, 0.09, 0.3],
  [0.5, 0.12, 1.2],
] as const;
const SECOND_STRIKE_S = 0.32;
/** After a ring, further orders within this time show and count, but do not strike again. */
const QUIET_MS = 2000;

function strike(context: AudioContext, at: number) {
  for (const [ratio, level, decay] of PARTIALS) {
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.frequency.value = FUNDAMENTAL_HZ * ratio;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(level * 0.5, at + 0.004);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + decay);
    oscillator.connect(gain).connect(context.destination);
    oscillator.start(at);
    oscillator.stop(at + decay + 0.05);
  }
}

/** The bell of the panel of the telegraph `slug` (undefined: the default): muted or not per telegraph. */
export function useBell(slug?: string) {
  const mutedKey = storageKey(MUTED_KEY, slug);
  const contextRef = useRef<AudioContext | null>(null);
  const mutedRef = useRef(false);
  const quietUntil = useRef(0);
  const [running, setRunning] = useState(false);
  const [muted, setMuted] = useState(false);
  const [rings, setRings] = useState(0);
  /** Times the bell actually sounded: a burst of orders rings many times but strikes once. */
  const [strikes, setStrikes] = useState(0);
  /** The bell rang while the browser kept it silent: the "Enable sound" control pulses. */
  const [missed, setMissed] = useState(false);

  /** Must run inside a user gesture: a context made earlier starts suspended and the browser warns. */
  const arm = useCallback(() => {
    if (!contextRef.current) {
      const context = new AudioContext();
      context.onstatechange = () => setRunning(context.state === "running");
      contextRef.current = context;
    }
    // A refusal leaves the state "blocked", which the panel shows.
    contextRef.current.resume().catch(() => {});
  }, []);

  useEffect(() => {
    mutedRef.current = localStorage.getItem(mutedKey) === "1";
    setMuted(mutedRef.current);
    return () => {
      void contextRef.current?.close();
      contextRef.current = null;
    };
  }, [mutedKey]);

  // The first click or key press anywhere arms the bell, so most people never see "Enable sound".
  useEffect(() => {
    if (running) return;
    const options = { capture: true };
    window.addEventListener("pointerdown", arm, options);
    window.addEventListener("keydown", arm, options);
    return () => {
      window.removeEventListener("pointerdown", arm, options);
      window.removeEventListener("keydown", arm, options);
    };
  }, [running, arm]);

  /** Rings, and says what came of it. */
  const ring = useCallback((): Exclude<Heard, "delivered"> => {
    setRings((n) => n + 1);
    if (mutedRef.current) return "muted";
    const context = contextRef.current;
    if (context?.state !== "running") {
      setMissed(true);
      return "blocked";
    }
    // Orders faster than people can follow ring once, not a machine-gun of bells (still ringing: "rang").
    // Timed by the page's clock, not the audio's: an audio clock that has just started, or that a
    // busy machine held up, jumps ahead by seconds and would strike twice for one burst.
    if (performance.now() < quietUntil.current) return "rang";
    quietUntil.current = performance.now() + QUIET_MS;
    strike(context, context.currentTime);
    strike(context, context.currentTime + SECOND_STRIKE_S);
    setStrikes((n) => n + 1);
    return "rang";
  }, []);

  const toggleMute = useCallback(() => {
    mutedRef.current = !mutedRef.current;
    localStorage.setItem(mutedKey, mutedRef.current ? "1" : "0");
    setMuted(mutedRef.current);
    if (!mutedRef.current) arm();
  }, [arm, mutedKey]);

  const state: SoundState = muted ? "muted" : running ? "armed" : "blocked";
  return { state, rings, strikes, ring, enable: arm, toggleMute, pulse: missed && state === "blocked" };
}
