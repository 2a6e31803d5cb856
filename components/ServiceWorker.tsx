"use client";
// Registers the service worker (public/sw.js) on every page: it gives the offline screen, makes
// the panel installable and shows Web Push notifications (components/usePush.ts).
import { useEffect } from "react";
import { registerWorker } from "./usePush";

export default function ServiceWorker() {
  useEffect(() => {
    void registerWorker();
  }, []);
  return null;
}
