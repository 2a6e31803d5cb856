import type { Metadata, Viewport } from "next";
import { connection } from "next/server";
import type { ReactNode } from "react";
import ServiceWorker from "../components/ServiceWorker";
import "./globals.css";

export const metadata: Metadata = {
  title: "Chadburn",
  description: "The lab's engine order telegraph: every order on every panel, answered from here.",
};

export const viewport: Viewport = {
  width: "device-width",
  initialScale: 1,
  themeColor: "#0b1722",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Rendered for each request, never ahead: its scripts carry that response's nonce (server/gateway/headers.ts).
  await connection();
  return (
    <html lang="en">
      <body>
        {children}
        <ServiceWorker />
      </body>
    </html>
  );
}
