import type { Metadata } from "next";
import Welcome from "../../components/Welcome";

export const metadata: Metadata = { title: "Welcome — Chadburn" };

export default function Page() {
  return <Welcome />;
}
