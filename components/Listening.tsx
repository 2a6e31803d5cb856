// Who is listening now, and who was lately: the bridge can see whether anyone is there to answer.
import type { Presence } from "../lib/protocol";
import styles from "./Panel.module.css";
import { describeGone, describeListening } from "../lib/words";

export default function Listening({ presence }: { presence: Presence }) {
  const gone = describeGone(presence);
  return (
    <section className={styles.listening} aria-label="Listening">
      <h2>Listening now</h2>
      <p data-testid="listening">{describeListening(presence)}</p>
      {gone && <p data-testid="gone">Gone: {gone}</p>}
    </section>
  );
}
