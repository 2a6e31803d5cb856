import Panel from "../components/Panel";

export default function Page() {
  return <Panel />;
}
