import type { Metadata } from "next";
import type { Search } from "../../components/historyQuery";
import { StatsScreen } from "../_history/screens";

export const metadata: Metadata = { title: "Statistics — Chadburn" };

export default async function Page({ searchParams }: { searchParams: Promise<Search> }) {
  return <StatsScreen which="default" search={await searchParams} />;
}
