import type { Metadata } from "next";
import type { Search } from "../../components/historyQuery";
import { HistoryScreen } from "../_history/screens";

export const metadata: Metadata = { title: "History — Chadburn" };

export default async function Page({ searchParams }: { searchParams: Promise<Search> }) {
  return <HistoryScreen which="default" search={await searchParams} />;
}
