// One run at a time of work that reads or arms from scratch each time: a call while it runs makes
// it run once more after (so a change that came meanwhile is not missed), and shares that promise.
export interface Coalesced {
  run(): Promise<void>;
  /** Whether a run is under way (or about to run once more). */
  readonly running: boolean;
}

export function coalesce(work: () => Promise<void>): Coalesced {
  let current: Promise<void> | undefined;
  let again = false;
  function run(): Promise<void> {
    if (current) {
      again = true;
      return current;
    }
    current = (async () => {
      try {
        do {
          again = false;
          await work();
        } while (again);
      } finally {
        current = undefined;
      }
    })();
    return current;
  }
  return {
    run,
    get running() {
      return current !== undefined;
    },
  };
}
