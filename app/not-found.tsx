// The 404 page (an unknown telegraph, or one the visitor may not see, an address that is nothing):
// in the pages' own frame and styles. Next's built-in one styles itself inline, which the
// Content-Security-Policy (server/gateway/headers.ts) refuses, one console error per visit.
import Frame from "../components/Frame";
import pages from "../components/Pages.module.css";

export default function NotFound() {
  return (
    <Frame title="Not found">
      <p className={pages.card} data-testid="not-found">
        There is nothing here: no such page, or no telegraph by that name that you may see.
      </p>
    </Frame>
  );
}
