"use client";
// The telegraph's face, drawn from the face the server sends: brass rim, enamel dial,
// one sector per position, the bridge's order indicator and the engine room's answer handle.
import { type KeyboardEvent, type ReactNode, useId, useMemo, useRef, useState } from "react";
import type { Face } from "../lib/protocol";
import styles from "./Dial.module.css";
import { SECTOR_INNER, SECTOR_OUTER, angleOf, arc, layoutLabel, polar, spanOf, wedge } from "./dialGeometry";
import { describeInsisting, insistingMarks } from "../lib/words";

export interface DialProps {
  /** Null until the first snapshot: the dial shows "connecting…". */
  face: Face | null;
  order: number | null;
  answer: number | null;
  onAnswer: (position: number) => void;
  disabled?: boolean;
}

/** The dial centre is the origin; the face and the layers over it share this view. */
const VIEW_BOX = "-200 -200 400 400";
const SCREWS = [22.5, 67.5, 112.5, 157.5, 202.5, 247.5, 292.5, 337.5];

export default function Dial({ face, order, answer, onAnswer, disabled = false }: DialProps) {
  // useId's characters are not all safe inside url(#…) references.
  const id = useId().replace(/[^\w-]/g, "");
  const sectors = useMemo(() => layoutSectors(face ?? []), [face]);
  const sectorRefs = useRef<(SVGGElement | null)[]>([]);
  const [focused, setFocused] = useState<number | null>(null);

  const orderIndex = sectors.findIndex((s) => s.position === order);
  const answerIndex = sectors.findIndex((s) => s.position === answer);
  // Roving tabindex: the dial is one Tab stop, on the sector last moved to or else the order's.
  const tabStop = focused ?? Math.max(orderIndex, 0);
  const span = spanOf(Math.max(sectors.length, 2));

  const moveFocus = (index: number) => {
    const next = (index + sectors.length) % sectors.length;
    setFocused(next);
    sectorRefs.current[next]?.focus();
  };

  const onKeyDown = (event: KeyboardEvent, index: number, position: number) => {
    const moves: Record<string, number> = {
      ArrowLeft: index - 1,
      ArrowDown: index - 1,
      ArrowRight: index + 1,
      ArrowUp: index + 1,
      Home: 0,
      End: sectors.length - 1,
    };
    if (event.key in moves) {
      event.preventDefault();
      moveFocus(moves[event.key]);
    } else if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      if (!disabled) onAnswer(position);
    }
  };

  // The face is one SVG; each pointer is an SVG of its own laid over it, turned as a whole by CSS,
  // and the hub a small one over them (performance): the browser's compositor then animates a
  // picture drawn once, where a pointer inside the face's SVG made it draw the whole face again
  // on every frame of the swing.
  return (
    <div className={styles.dial}>
      <svg className={styles.face} viewBox={VIEW_BOX} role="group" aria-label="Engine order telegraph">
        <defs>
          <linearGradient id={`${id}-brass`} x1="0" y1="0" x2="1" y2="1">
            <stop offset="0" stopColor="#fbeab0" />
            <stop offset="0.3" stopColor="#d6ae55" />
            <stop offset="0.6" stopColor="#8f6b22" />
            <stop offset="0.85" stopColor="#c99d45" />
            <stop offset="1" stopColor="#f2d58a" />
          </linearGradient>
          <linearGradient id={`${id}-bevel`} x1="1" y1="1" x2="0" y2="0">
            <stop offset="0" stopColor="#f4d98f" />
            <stop offset="0.5" stopColor="#a57d2e" />
            <stop offset="1" stopColor="#5e4312" />
          </linearGradient>
          <radialGradient id={`${id}-enamel`} cx="0.45" cy="0.4" r="0.65">
            <stop offset="0" stopColor="#fffdf6" />
            <stop offset="0.75" stopColor="#f4ecd8" />
            <stop offset="1" stopColor="#e0d3b2" />
          </radialGradient>
          <radialGradient id={`${id}-hub`} cx="0.35" cy="0.35" r="0.7">
            <stop offset="0" stopColor="#fff1c2" />
            <stop offset="0.5" stopColor="#c99a3e" />
            <stop offset="1" stopColor="#6b4d16" />
          </radialGradient>
          <linearGradient id={`${id}-glass`} x1="0" y1="0" x2="0.6" y2="1">
            <stop offset="0" stopColor="#fff" stopOpacity="0.35" />
            <stop offset="0.45" stopColor="#fff" stopOpacity="0.04" />
            <stop offset="1" stopColor="#fff" stopOpacity="0" />
          </linearGradient>
          <path id={`${id}-title`} d={arc(155, 240, 120)} />
          {sectors.map((s, i) =>
            s.lines.map((line, j) => <path key={`${i}-${j}`} id={`${id}-s${i}-${j}`} d={arc(line.radius, s.angle - span / 2, s.angle + span / 2)} />),
          )}
        </defs>

        <circle r="199" fill={`url(#${id}-brass)`} />
        <circle r="190" fill={`url(#${id}-bevel)`} />
        <circle r="184" fill={`url(#${id}-enamel)`} stroke="#5e4312" strokeWidth="1.5" />
        {SCREWS.map((a) => (
          <g key={a} transform={`translate(${polar(194.5, a)}) rotate(${a * 2})`}>
            <circle r="2.8" fill={`url(#${id}-hub)`} stroke="#5e4312" strokeWidth="0.6" />
            <line x1="-2" x2="2" stroke="#4a340c" strokeWidth="0.8" />
          </g>
        ))}
        <circle r="180.5" className={styles.ring} />
        <text className={styles.title} fontSize="15">
          <textPath href={`#${id}-title`} startOffset="50%" textAnchor="middle">
            Engine Order Telegraph
          </textPath>
        </text>
        <text className={styles.maker} y="72" textAnchor="middle" fontSize="8">
          CHADBURN · LABORATORY
        </text>

        {face === null ? (
          <text className={styles.connecting} y="-40" textAnchor="middle" fontSize="20">
            connecting…
          </text>
        ) : (
          <>
            {sectors.map((s, i) => (
              <g
                key={s.position}
                ref={(el) => {
                  sectorRefs.current[i] = el;
                }}
                className={styles.sector}
                role="button"
                aria-label={s.label}
                aria-current={i === orderIndex ? "true" : undefined}
                aria-disabled={disabled || undefined}
                tabIndex={i === tabStop ? 0 : -1}
                data-position={s.position}
                onClick={() => !disabled && onAnswer(s.position)}
                onKeyDown={(e) => onKeyDown(e, i, s.position)}
                onFocus={() => setFocused(i)}
              >
                {(s.hint || s.insisting) && <title>{[s.hint, s.insisting].filter(Boolean).join(" — ")}</title>}
                <path
                  className={`${styles.sectorShape} ${i % 2 ? styles.alternate : ""}`}
                  d={wedge(SECTOR_INNER, SECTOR_OUTER, s.angle - span / 2, s.angle + span / 2)}
                />
                <text className={styles.label} fontSize={s.size}>
                  {s.lines.map((line, j) => (
                    <textPath
                      key={j}
                      href={`#${id}-s${i}-${j}`}
                      startOffset="50%"
                      textAnchor="middle"
                      dominantBaseline="central"
                      textLength={line.length}
                      lengthAdjust={line.length ? "spacingAndGlyphs" : undefined}
                    >
                      {line.text}
                    </textPath>
                  ))}
                </text>
                {s.marks && (
                  <text
                    className={styles.mark}
                    transform={`rotate(${s.angle}) translate(0 ${-SECTOR_INNER - 9})`}
                    textAnchor="middle"
                    dominantBaseline="central"
                    fontSize="9"
                    data-testid="insisting"
                  >
                    {s.marks}
                  </text>
                )}
              </g>
            ))}
          </>
        )}
        <circle r="184" fill={`url(#${id}-glass)`} pointerEvents="none" />
      </svg>
      {face !== null && (
        <div className={styles.pointers}>
          <Pointer testId="answer-handle" className={styles.handle} at={sectors[answerIndex]}>
            <path d="M -9 0 L -4.5 -70 L 4.5 -70 L 9 0 Z" fill={`url(#${id}-brass)`} stroke="#5e4312" strokeWidth="1" />
            <circle cy="-78" r="12" fill={`url(#${id}-hub)`} stroke="#5e4312" strokeWidth="1.2" />
            <path d="M -6 -90 L 0 -101 L 6 -90 Z" fill="#5e4312" />
          </Pointer>
          <Pointer testId="order-indicator" className={styles.indicator} at={sectors[orderIndex]}>
            <path d="M -2.2 22 L -1.4 -92 L 0 -100 L 1.4 -92 L 2.2 22 Z" className={styles.needle} />
            <path d={wedge(SECTOR_INNER - 2, SECTOR_OUTER + 2, -span / 2 + 0.6, span / 2 - 0.6)} className={styles.window} />
            <path d={`M -5 ${-SECTOR_OUTER} L 0 ${-SECTOR_OUTER - 6} L 5 ${-SECTOR_OUTER} Z`} className={styles.tip} />
          </Pointer>
        </div>
      )}
      <svg className={`${styles.layer} ${styles.hub}`} viewBox="-18 -18 36 36" aria-hidden="true">
        <circle r="17" fill={`url(#${id}-hub)`} stroke="#5e4312" strokeWidth="1.2" />
        <circle r="4" fill="#4a340c" />
      </svg>
    </div>
  );
}

interface PointerProps {
  testId: string;
  className: string;
  /** The sector pointed at; none (straight up, idle) before the first order or answer. */
  at?: { position: number; angle: number };
  children: ReactNode;
}

/** A pointer turning about the dial centre, a layer over the face; CSS animates the turn. */
function Pointer({ testId, className, at, children }: PointerProps) {
  const angle = at?.angle ?? 0;
  return (
    <svg
      viewBox={VIEW_BOX}
      data-testid={testId}
      data-position={at?.position ?? ""}
      data-angle={angle}
      className={`${styles.layer} ${className}`}
      data-idle={!at || undefined}
      style={{ transform: `rotate(${angle}deg)` }}
      aria-hidden="true"
    >
      {children}
    </svg>
  );
}

function layoutSectors(face: Face) {
  const span = spanOf(Math.max(face.length, 2));
  return face.map((p, i) => ({
    ...p,
    angle: angleOf(i, face.length),
    ...layoutLabel(p.label, span),
    insisting: describeInsisting(p),
    marks: insistingMarks(p),
  }));
}
