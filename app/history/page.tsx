import type { Metadata } from "next";
import type { Search } from "../../components/historyQuery";
import { DEFAULT_SLUG } from "../../lib/telegraphs";
import { HistoryScreen } from "../_history/screens";

export const metadata: Metadata = { title: "History — Chadburn" };

export default async function Page({ searchParams }: { searchParams: Promise<Search> }) {
  return <HistoryScreen slug={DEFAULT_SLUG} search={await searchParams} />;
}
