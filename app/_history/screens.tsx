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
import { Slug } from "../../lib/telegraphs";
import { type Read, read } from "../read";
import { readTelegraphs, telegraphList } from "../telegraphs";

/**
 * Which telegraph a page is of: one named in its address (/t/<slug>/history), or the default
 * telegraph (/history, /stats), whose slug the server says (GET /api/telegraphs; none: 404).
 */
type Which = { slug: string } | "default";

/** Its pages: the default one's at the top, as its panel is; any under /t/<slug>. */
function pathsOf(which: Which) {
  const base = which === "default" ? "" : `/t/${which.slug}`;
  return { panel: base || "/", history: `${base}/history`, stats: `${base}/stats` };
}

/** "History", or with several telegraphs "History: Workshop" (its title, the slug when the server will not say). */
async function titleOf(what: string, which: Which): Promise<string> {
  const list = await telegraphList();
  const slug = which === "default" ? list?.default : which.slug;
  if (!slug || (which === "default" && (list?.telegraphs.length ?? 0) < 2)) return what;
  return `${what}: ${list?.telegraphs.find((t) => t.slug === slug)?.title ?? slug}`;
}

interface Props {
  which: Which;
  search: Search;
}

/** The telegraph's slug, or the server's refusal to say (the visitor may not see it). */
async function slugOf(which: Which): Promise<Read<string>> {
  if (which !== "default") {
    if (!Slug.safeParse(which.slug).success) notFound();
    return { ok: true, value: which.slug };
  }
  const list = await readTelegraphs();
  if (list.ok && list.value.default === null) notFound();
  return list.ok ? { ok: true, value: list.value.default! } : list;
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
async function Screen({ title, which, wide = false, children }: { title: string; which: Which; wide?: boolean; children: ReactNode }) {
  return (
    <Frame title={await titleOf(title, which)} back={pathsOf(which).panel} wide={wide}>
      {children}
    </Frame>
  );
}

const Failed = ({ error }: { error: string }) => (
  <p className={pages.error} role="alert" data-testid="history-error">
    {error}
  </p>
);

/**
 * The slug, the telegraph's state (its face) and what `path` (of the slug) answers, or the page to
 * show instead: the 404 page for a telegraph there is not, a way to sign in, the server's one line.
 */
async function readAll<T>(which: Which, title: string, path: ((slug: string) => string) | null) {
  const slug = await slugOf(which);
  if (!slug.ok) return { shown: <Refusal which={which} title={title} reads={[slug]} /> };
  const [state, value] = await Promise.all([read<State>(`/api/telegraphs/${slug.value}/state`), path ? read<T>(path(slug.value)) : null]);
  if (!state.ok || (value && !value.ok && value.status !== 400)) return { shown: <Refusal which={which} title={title} reads={[state, value]} /> };
  return { slug: slug.value, state: state.value, value };
}

function Refusal({ which, title, reads }: { which: Which; title: string; reads: (Read<unknown> | null)[] }) {
  const refused = refusal(reads);
  const failed = reads.find((r) => r && !r.ok) as { error: string } | undefined;
  return (
    <Screen title={title} which={which}>
      {refused ? <SignIn {...refused} /> : <Failed error={`Could not read it: ${failed?.error}`} />}
    </Screen>
  );
}

export async function HistoryScreen({ which, search }: Props) {
  const paths = pathsOf(which);
  const asked = readFilters(search);
  const { filters } = asked;
  const got = await readAll<HistoryPage>(
    which,
    "History",
    asked.ok ? (slug) => `/api/telegraphs/${slug}/history?${apiQuery(filters, "history")}` : null,
  );
  if (got.shown) return got.shown;
  const { slug, state, value: page } = got;
  const error = !asked.ok ? asked.error : page && !page.ok ? page.error : "";
  const { older, newer } = pagingHrefs(paths.history, filters, page?.ok ? page.value.next : null);
  return (
    <Screen title="History" which={which}>
      <nav className={styles.nav} aria-label="This telegraph">
        <a href={pageHref(paths.stats, { ...filters, position: "", limit: "", cursors: [] })}>Statistics: time to answer, orders by hour</a>
        <a href={`/api/telegraphs/${slug}/history.csv?${apiQuery(filters, "csv")}`} download data-testid="csv">
          These orders as CSV
        </a>
      </nav>
      <HistoryFilters action={paths.history} face={state.face} filters={filters} byPosition />
      {error && <Failed error={error} />}
      {page?.ok && (
        <>
          <HistoryList orders={page.value.orders} face={state.face} filtered={Boolean(filters.position || filters.from || filters.to)} />
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

export async function StatsScreen({ which, search }: Props) {
  const paths = pathsOf(which);
  const asked = readFilters(search);
  const filters: Filters = { ...asked.filters, position: "", limit: "", cursors: [] };
  const got = await readAll<Stats>(which, "Statistics", asked.ok ? (slug) => `/api/telegraphs/${slug}/stats?${apiQuery(filters, "stats")}` : null);
  if (got.shown) return got.shown;
  const { state, value: stats } = got;
  const error = !asked.ok ? asked.error : stats && !stats.ok ? stats.error : "";
  return (
    <Screen title="Statistics" which={which} wide>
      <nav className={styles.nav} aria-label="This telegraph">
        <a href={pageHref(paths.history, filters)}>History: every order, who answered and when</a>
      </nav>
      <HistoryFilters action={paths.stats} face={state.face} filters={filters} byPosition={false} />
      {error && <Failed error={error} />}
      {stats?.ok && <StatsView stats={stats.value} face={state.face} />}
    </Screen>
  );
}
