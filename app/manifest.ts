// The web app manifest (/manifest.webmanifest, linked from every page by Next): with it and the
// service worker (public/sw.js) the panel installs on Android Chrome and desktop browsers, opens
// in a window of its own, and shows an offline screen rather than a browser error.
import type { MetadataRoute } from "next";

export default function manifest(): MetadataRoute.Manifest {
  return {
    id: "/",
    name: "Chadburn",
    short_name: "Chadburn",
    description: "The lab's engine order telegraph: every order on every panel, answered from here.",
    start_url: "/",
    scope: "/",
    display: "standalone",
    // app/globals.css: --bg, the sea blue the panel is drawn on.
    background_color: "#0b1722",
    theme_color: "#0b1722",
    icons: [
      { src: "/icons/icon-192.png", sizes: "192x192", type: "image/png", purpose: "any" },
      { src: "/icons/icon-512.png", sizes: "512x512", type: "image/png", purpose: "any" },
      { src: "/icons/maskable-192.png", sizes: "192x192", type: "image/png", purpose: "maskable" },
      { src: "/icons/maskable-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
    ],
  };
}
