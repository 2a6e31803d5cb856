"use client";
// The bell's state, never hidden: a bell that swings on every ring, "Enable sound" while the
// browser keeps audio blocked (pulsing if a ring was missed), and a mute toggle.
import { useEffect, useRef } from "react";
import styles from "./Panel.module.css";
import type { useBell } from "./useBell";

const STATE_TEXT = { armed: "sound on", blocked: "sound blocked", muted: "muted" } as const;

/**
 * The swing, started on the same element at every ring (performance): remounting the icon to
 * restart a CSS animation gave the compositor a new layer to draw at the moment the dial starts
 * to turn, which held the dial's first frame up by ~10 ms.
 */
const SWING: Keyframe[] = [
  { transform: "rotate(0)" },
  { transform: "rotate(22deg)", offset: 0.15 },
  { transform: "rotate(-18deg)", offset: 0.35 },
  { transform: "rotate(12deg)", offset: 0.55 },
  { transform: "rotate(-6deg)", offset: 0.75 },
  { transform: "rotate(0)" },
];

export default function SoundControls({ bell }: { bell: ReturnType<typeof useBell> }) {
  const icon = useRef<SVGSVGElement>(null);
  useEffect(() => {
    if (bell.rings > 0 && !matchMedia("(prefers-reduced-motion: reduce)").matches)
      icon.current?.animate(SWING, { duration: 1400, easing: "ease-out" });
  }, [bell.rings]);
  return (
    <div className={styles.sound} data-testid="sound" data-state={bell.state}>
      <svg
        ref={icon}
        className={styles.bell}
        data-testid="bell"
        data-rings={bell.rings}
        data-strikes={bell.strikes}
        viewBox="0 0 24 24"
        aria-hidden="true"
      >
        <path d="M12 3a1.5 1.5 0 0 1 1.5 1.5v.6A6 6 0 0 1 18 11v4l2 2.5H4L6 15v-4a6 6 0 0 1 4.5-5.9v-.6A1.5 1.5 0 0 1 12 3z" />
        <circle cx="12" cy="20" r="1.8" />
      </svg>
      <span className={styles.soundState}>{STATE_TEXT[bell.state]}</span>
      {bell.state === "blocked" && (
        <button type="button" className={bell.pulse ? styles.pulse : undefined} onClick={bell.enable}>
          Enable sound
        </button>
      )}
      <button type="button" aria-pressed={bell.state === "muted"} onClick={bell.toggleMute}>
        Mute bell
      </button>
    </div>
  );
}
