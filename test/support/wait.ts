// Waiting in the tests: for a promise with a bound, for a condition that is no event, and pauses
// that are part of a scenario.

/**
 * Fails with `what` if the promise has not settled within `ms`, instead of hanging until the
 * test's timeout. With `ms` Infinity, no bound: the runner's own timeout is the one (Playwright).
 */
export function within<T>(promise: Promise<T>, what: string, ms = 5000): Promise<T> {
  if (ms === Infinity) return promise;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Polls until `probe` returns something truthy and resolves with it; for outcomes that are not
 * events a client receives (a log line, the health, a file's content). Fails after `timeout` ms.
 */
export async function waitFor<T>(probe: () => T | Promise<T>, what: string, timeout = 5000): Promise<NonNullable<Awaited<T>>> {
  const end = Date.now() + timeout;
  let last: Awaited<T> | undefined;
  for (;;) {
    last = await probe();
    if (last) return last as NonNullable<Awaited<T>>;
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Long enough for the server to have read a change twice over (at once, and again after a quiet spell). */
export const QUIET_MS = 250;

/** A pause that is part of a scenario ("write again 200 ms later"); never to wait for an outcome. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
