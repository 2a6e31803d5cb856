import type { Metadata } from "next";
import type { Search } from "../../../../components/historyQuery";
import { StatsScreen } from "../../../_history/screens";

export const metadata: Metadata = { title: "Statistics — Chadburn" };

export default async function Page({ params, searchParams }: { params: Promise<{ slug: string }>; searchParams: Promise<Search> }) {
  return <StatsScreen which={{ slug: (await params).slug }} search={await searchParams} />;
}
