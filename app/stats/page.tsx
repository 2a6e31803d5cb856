import type { Metadata } from "next";
import type { Search } from "../../components/historyQuery";
import { DEFAULT_SLUG } from "../../lib/telegraphs";
import { StatsScreen } from "../_history/screens";

export const metadata: Metadata = { title: "Statistics — Chadburn" };

export default async function Page({ searchParams }: { searchParams: Promise<Search> }) {
  return <StatsScreen slug={DEFAULT_SLUG} search={await searchParams} />;
}
