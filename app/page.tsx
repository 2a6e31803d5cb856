import Panel from "../components/Panel";
import Telegraphs from "../components/Telegraphs";
import { telegraphList } from "./telegraphs";

/** The default telegraph's panel; with several telegraphs and no default, the list of them. */
export default async function Page() {
  const list = await telegraphList();
  if (list?.default === null) return <Telegraphs telegraphs={list.telegraphs} />;
  // Its title only when there are others to tell it from: one telegraph's panel reads as before.
  const title = list && list.telegraphs.length > 1 ? list.telegraphs.find((t) => t.slug === list.default)?.title : undefined;
  return <Panel title={title} />;
}
