// The history page and the statistics page of one telegraph, for its routes (/history and /stats
// for the default telegraph, /t/<slug>/history and /t/<slug>/stats): read from the API as the
// visitor, rendered on the server, no script needed. An unknown telegraph is the 404 page; a
// visitor who may not see it is asked to sign in, never shown an empty history.
import Link from "next/link";
import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import Frame from "../../components/Frame";
import HistoryFilters from "../../components/HistoryFilters";
import HistoryList from "../../components/HistoryList";
import StatsView from "../../components/StatsView";
import { type Filters, type Search, apiQuery, pageHref, pagingHrefs, readFilters } from "../../components/historyQuery";
import styles from "../../components/History.module.css";
import pages from "../../components/Pages.module.css";
import type { HistoryPage, Stats } from "../../lib/history";
import type { State } from "../../lib/routes";
import { DEFAULT_SLUG, Slug } from "../../lib/telegraphs";
import { type Read, read } from "./read";

/** A telegraph's pages: the default one's at the top, the others' under /t/<slug>. */
function pathsOf(slug: string) {
  const base = slug === DEFAULT_SLUG ? "" : `/t/${slug}`;
  return { panel: base || "/", history: `${base}/history`, stats: `${base}/stats` };
}

const titleOf = (what: string, slug: string) => (slug === DEFAULT_SLUG ? what : `${what}: ${slug}`);

interface Props {
  slug: string;
  search: Search;
}

/** The pages' refusals: 404 for a telegraph there is not, a way to sign in for one not to be seen. */
function refusal(reads: (Read<unknown> | null)[]): { status: 401 | 403; error: string } | undefined {
  for (const r of reads) if (r && !r.ok && r.status === 404) notFound();
  for (const r of reads) if (r && !r.ok && (r.status === 401 || r.status === 403)) return { status: r.status, error: r.error };
  return undefined;
}

function SignIn({ status, error }: { status: 401 | 403; error: string }) {
  return (
    <div className={pages.card} data-testid="history-sign-in">
      <p>
        {status === 401 ? "History is shown to those who may see this telegraph." : `You may not see this telegraph (${error}).`}{" "}
        <Link href="/signin">Sign in</Link> {status === 401 ? "to see it." : "as someone who may."}
      </p>
    </div>
  );
}

/** `wide`: the statistics, whose charts and tables stand side by side on a wide screen. */
function Screen({ title, slug, wide = false, children }: { title: string; slug: string; wide?: boolean; children: ReactNode }) {
  return (
    <Frame title={titleOf(title, slug)} back={pathsOf(slug).panel} wide={wide}>
      {children}
    </Frame>
  );
}

const Failed = ({ error }: { error: string }) => (
  <p className={pages.error} role="alert" data-testid="history-error">
    {error}
  </p>
);

export async function HistoryScreen({ slug, search }: Props) {
  if (!Slug.safeParse(slug).success) notFound();
  const paths = pathsOf(slug);
  const asked = readFilters(search);
  const filters: Filters = asked.filters;
  const [state, page] = await Promise.all([
    read<State>(`/api/telegraphs/${slug}/state`),
    asked.ok ? read<HistoryPage>(`/api/telegraphs/${slug}/history?${apiQuery(filters, "history")}`) : null,
  ]);
  const refused = refusal([state, page]);
  if (refused)
    return (
      <Screen title="History" slug={slug}>
        {<SignIn {...refused} />}
      </Screen>
    );
  if (!state.ok)
    return (
      <Screen title="History" slug={slug}>
        {<Failed error={`Could not read the telegraph: ${state.error}`} />}
      </Screen>
    );
  const error = !asked.ok ? asked.error : page && !page.ok ? `Could not read the history: ${page.error}` : "";
  const { older, newer } = pagingHrefs(paths.history, filters, page?.ok ? page.value.next : null);
  return (
    <Screen title="History" slug={slug}>
      <nav className={styles.nav} aria-label="This telegraph">
        <a href={pageHref(paths.stats, { ...filters, position: "", limit: "", cursors: [] })}>Statistics: time to answer, orders by hour</a>
      </nav>
      <HistoryFilters action={paths.history} face={state.value.face} filters={filters} byPosition />
      {error && <Failed error={error} />}
      {page?.ok && (
        <>
          <HistoryList orders={page.value.orders} face={state.value.face} filtered={Boolean(filters.position || filters.from || filters.to)} />
          {(newer ?? older) !== undefined && (
            <nav className={styles.nav} aria-label="Pages">
              {newer !== undefined && (
                <a href={newer} rel="prev" data-testid="newer">
                  Newer
                </a>
              )}
              {older !== undefined && (
                <a href={older} rel="next" data-testid="older">
                  Older
                </a>
              )}
            </nav>
          )}
        </>
      )}
    </Screen>
  );
}

export async function StatsScreen({ slug, search }: Props) {
  if (!Slug.safeParse(slug).success) notFound();
  const paths = pathsOf(slug);
  const asked = readFilters(search);
  const filters: Filters = { ...asked.filters, position: "", limit: "", cursors: [] };
  const [state, stats] = await Promise.all([
    read<State>(`/api/telegraphs/${slug}/state`),
    asked.ok ? read<Stats>(`/api/telegraphs/${slug}/stats?${apiQuery(filters, "stats")}`) : null,
  ]);
  const refused = refusal([state, stats]);
  if (refused)
    return (
      <Screen title="Statistics" slug={slug}>
        {<SignIn {...refused} />}
      </Screen>
    );
  if (!state.ok)
    return (
      <Screen title="Statistics" slug={slug}>
        {<Failed error={`Could not read the telegraph: ${state.error}`} />}
      </Screen>
    );
  const error = !asked.ok ? asked.error : stats && !stats.ok ? `Could not read the statistics: ${stats.error}` : "";
  return (
    <Screen title="Statistics" slug={slug} wide>
      <nav className={styles.nav} aria-label="This telegraph">
        <a href={pageHref(paths.history, filters)}>History: every order, who answered and when</a>
      </nav>
      <HistoryFilters action={paths.stats} face={state.value.face} filters={filters} byPosition={false} />
      {error && <Failed error={error} />}
      {stats?.ok && <StatsView stats={stats.value} face={state.value.face} />}
    </Screen>
  );
}
