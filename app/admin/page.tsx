import type { Metadata } from "next";
import Admin from "../../components/Admin";

export const metadata: Metadata = { title: "Admin — Chadburn" };

export default function Page() {
  return <Admin />;
}
