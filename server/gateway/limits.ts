// Limits per address over time (rate-limiter-flexible): counted in this process, or, with several
// nodes, in Redis, so that a client reaching several nodes has one allowance (docs/scaling.md).
import { RLWrapperTimeouts, RateLimiterMemory, RateLimiterRedis } from "rate-limiter-flexible";

/** What consuming a limit needs. */
export interface Limiter {
  consume(key: string): Promise<unknown>;
}

/** Makes the limit `name`: `points` in `seconds` for each key (an address). */
export type Limits = (name: string, points: number, seconds: number) => Limiter;

export const inProcess: Limits = (_, points, duration) => new RateLimiterMemory({ points, duration });

/** How long a count in Redis may take before the node counts on its own (Redis away, or slow). */
const REDIS_MS = 250;

/** Counted in Redis (`chadburn:limit:<name>:<key>`); while Redis does not answer, each node counts alone. */
export function inRedis(redis: object): Limits {
  return (name, points, duration) =>
    new RLWrapperTimeouts({
      limiter: new RateLimiterRedis({
        storeClient: redis,
        useRedisPackage: true,
        keyPrefix: `chadburn:limit:${name}`,
        points,
        duration,
        rejectIfRedisNotReady: true,
      }),
      timeoutMs: REDIS_MS,
      insuranceLimiter: new RateLimiterMemory({ points, duration }),
    });
}
