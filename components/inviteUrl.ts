// The sign-in link the admin page shows. The server names its public URL (--public-url), else the
// address it serves, never a request's Host header (which whoever sends the request chooses). A
// server on every interface without --public-url serves "http://localhost:1873": a link nobody on
// another machine can open. The admin page, open at an address that does work, shows the link on
// its own origin then: what the browser's address bar says, not what a request claimed.

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/** `link` as the server made it, or on `page`'s origin when the link names loopback and the page does not. */
export function shownInvite(link: string, page: string): string {
  const made = new URL(link);
  const here = new URL(page);
  if (!LOOPBACK.test(made.hostname) || LOOPBACK.test(here.hostname)) return link;
  return `${here.origin}${made.pathname}${made.hash}`;
}
