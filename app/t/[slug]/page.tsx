import type { Metadata } from "next";
import { notFound } from "next/navigation";
import Panel from "../../../components/Panel";
import { Slug } from "../../../lib/telegraphs";
import { telegraphList } from "../../telegraphs";

type Props = { params: Promise<{ slug: string }> };

/** The telegraph `slug`'s panel; a slug the server does not serve is a 404 page, never an empty panel. */
async function found(slug: string) {
  if (!Slug.safeParse(slug).success) notFound();
  const list = await telegraphList();
  const telegraph = list?.telegraphs.find((t) => t.slug === slug);
  if (list && !telegraph) notFound();
  return { title: telegraph?.title, isDefault: slug === list?.default };
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { title } = await found((await params).slug);
  return title ? { title: `${title} · Chadburn` } : {};
}

export default async function Page({ params }: Props) {
  const { slug } = await params;
  const { title, isDefault } = await found(slug);
  return <Panel telegraph={slug} title={title} isDefault={isDefault} />;
}
