// The frame of the pages beside the panel: the brand, a way back to the panel, and the content.
import Link from "next/link";
import type { ReactNode } from "react";
import styles from "./Pages.module.css";
import panel from "./Panel.module.css"; // the same bar and brand as the panel's

/** `back`: where "Back to the panel" goes (a telegraph's own panel, /t/<slug>). */
export default function Frame({ title, wide = false, back = "/", children }: { title: string; wide?: boolean; back?: string; children: ReactNode }) {
  return (
    <main className={wide ? `${styles.page} ${styles.wide}` : styles.page}>
      <header className={panel.bar}>
        <p className={panel.brand}>Chadburn</p>
        <Link href={back}>Back to the panel</Link>
      </header>
      <h1 className={styles.title}>{title}</h1>
      {children}
    </main>
  );
}
