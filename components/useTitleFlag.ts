// While an order waits for an answer, the tab says so where people look for it: the title
// ("● COFFEE — Chadburn") and the favicon, which gets a red dot. Both come back once it is answered.
import { useEffect } from "react";
import type { Order } from "../lib/protocol";

/** app/icon.svg, the favicon Next links (a test keeps the two the same). */
export const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">
  <circle cx="32" cy="32" r="30" fill="#b8892f"/>
  <circle cx="32" cy="32" r="25" fill="#f6eedb"/>
  <path d="M32 32 L8.5 26.2 A24 24 0 0 1 55.5 26.2 Z" fill="none" stroke="#3d3322" stroke-width="2"/>
  <path d="M32 32 L32 10" stroke="#a3221b" stroke-width="4" stroke-linecap="round"/>
  <circle cx="32" cy="32" r="5" fill="#8f6b22"/>
</svg>`;

/** The icon with a red dot at its top right, large enough to see at 16 px. */
const FLAGGED_SVG = ICON_SVG.replace("</svg>", `  <circle cx="48" cy="16" r="15" fill="#e5322d" stroke="#0b1722" stroke-width="3"/>\n</svg>`);
export const FLAGGED_ICON = `data:image/svg+xml,${encodeURIComponent(FLAGGED_SVG)}`;

export const titleFor = (order: Pick<Order, "label"> | null) => (order ? `● ${order.label} — Chadburn` : "Chadburn");

/** Flags `unanswered` in the tab's title and favicon, and unflags them when it is null. */
export function useTitleFlag(unanswered: Pick<Order, "label"> | null) {
  const label = unanswered?.label ?? null;

  useEffect(() => {
    document.title = titleFor(label === null ? null : { label });
  }, [label]);

  const flagged = label !== null;
  useEffect(() => {
    if (!flagged) return;
    // Next links app/icon.svg (its href carries a version); without one, a link of our own.
    const links = [...document.querySelectorAll<HTMLLinkElement>('link[rel~="icon"]')];
    const own = links.length === 0 ? document.head.appendChild(Object.assign(document.createElement("link"), { rel: "icon" })) : null;
    const saved = links.map((link) => [link, link.getAttribute("href"), link.getAttribute("type")] as const);
    for (const link of own ? [own] : links) {
      link.type = "image/svg+xml";
      link.href = FLAGGED_ICON;
    }
    return () => {
      own?.remove();
      for (const [link, href, type] of saved) {
        if (href === null) link.removeAttribute("href");
        else link.setAttribute("href", href);
        if (type === null) link.removeAttribute("type");
        else link.setAttribute("type", type);
      }
    };
  }, [flagged]);
}
