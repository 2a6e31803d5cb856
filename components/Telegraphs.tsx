// `/` on a server with several telegraphs and no default: each telegraph, a link to its panel.
import Link from "next/link";
import type { TelegraphList } from "../lib/routes";
import styles from "./Pages.module.css";

export default function Telegraphs({ telegraphs }: Pick<TelegraphList, "telegraphs">) {
  return (
    <main className={styles.page}>
      <h1>Chadburn</h1>
      <section className={styles.card} aria-labelledby="telegraphs">
        <h2 id="telegraphs">Telegraphs</h2>
        <ul data-testid="telegraphs">
          {telegraphs.map(({ slug, title }) => (
            <li key={slug}>
              <Link href={`/t/${slug}`}>{title}</Link>
            </li>
          ))}
        </ul>
      </section>
    </main>
  );
}
