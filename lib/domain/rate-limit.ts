/**
 * Per-caller rate limit of the REST API (issue 11, N1): a token bucket per API token (or per
 * person for a browser session). A bucket holds `burst` calls and refills at `perSecond`; a call
 * takes one, and an empty bucket answers how long until the next call would pass (429 +
 * Retry-After). Pure and clock-free: callers pass `now`, so tests drive it with a virtual clock.
 */
export interface RateLimit {
  /** Calls a caller may make at once, after a quiet period. */
  burst: number;
  /** Sustained calls per second. */
  perSecond: number;
}

/** 600 calls a minute, in bursts of up to 600: far above a CLI following a rollout (one call every 2 s). */
export const DEFAULT_RATE_LIMIT: RateLimit = { burst: 600, perSecond: 10 };

interface Bucket {
  tokens: number;
  at: number;
}

export type RateVerdict = { ok: true; remaining: number } | { ok: false; retryAfterSeconds: number };

/**
 * `FLIGHTDECK_API_RATE_LIMIT`: "<calls>/<seconds>", e.g. "600/60" (the default) or "5/60"; the
 * burst is the number of calls. Anything else is refused with a message naming the setting.
 */
export function parseRateLimit(raw: string | undefined): RateLimit {
  if (raw === undefined || raw.trim() === "") return DEFAULT_RATE_LIMIT;
  const m = /^\s*(\d{1,7})\s*\/\s*(\d{1,7})\s*$/.exec(raw);
  const calls = m ? Number(m[1]) : 0;
  const seconds = m ? Number(m[2]) : 0;
  if (calls < 1 || seconds < 1) throw new Error(`FLIGHTDECK_API_RATE_LIMIT must look like "600/60" (calls per seconds); it is "${raw}".`);
  return { burst: calls, perSecond: calls / seconds };
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly limit: RateLimit) {}

  /** Takes one call from `key`'s bucket at `now` (ms). */
  take(key: string, now: number): RateVerdict {
    const { burst, perSecond } = this.limit;
    const previous = this.buckets.get(key);
    const refilled = previous ? Math.min(burst, previous.tokens + ((now - previous.at) / 1000) * perSecond) : burst;
    if (refilled < 1) {
      this.buckets.set(key, { tokens: refilled, at: now });
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - refilled) / perSecond)) };
    }
    this.buckets.set(key, { tokens: refilled - 1, at: now });
    if (this.buckets.size > 10_000) this.forgetFull(now);
    return { ok: true, remaining: Math.floor(refilled - 1) };
  }

  /** Drops buckets that have refilled completely (they would start full anyway). */
  private forgetFull(now: number): void {
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.limit.perSecond >= this.limit.burst) this.buckets.delete(key);
    }
  }
}
