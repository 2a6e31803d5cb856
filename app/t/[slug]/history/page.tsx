import type { Metadata } from "next";
import type { Search } from "../../../../components/historyQuery";
import { HistoryScreen } from "../../../_history/screens";

export const metadata: Metadata = { title: "History — Chadburn" };

export default async function Page({ params, searchParams }: { params: Promise<{ slug: string }>; searchParams: Promise<Search> }) {
  return <HistoryScreen which={{ slug: (await params).slug }} search={await searchParams} />;
}
