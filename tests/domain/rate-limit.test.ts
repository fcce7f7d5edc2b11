import { describe, expect, it } from "vitest";
import { DEFAULT_RATE_LIMIT, RateLimiter, parseRateLimit } from "@/lib/domain/rate-limit";

describe("parseRateLimit (FLIGHTDECK_API_RATE_LIMIT)", () => {
  it("unset or blank: the default", () => {
    expect(parseRateLimit(undefined)).toEqual(DEFAULT_RATE_LIMIT);
    expect(parseRateLimit("  ")).toEqual(DEFAULT_RATE_LIMIT);
  });

  it("<calls>/<seconds>: a burst of that many calls, refilled at calls/seconds per second", () => {
    expect(parseRateLimit("600/60")).toEqual({ burst: 600, perSecond: 10 });
    expect(parseRateLimit(" 3 / 60 ")).toEqual({ burst: 3, perSecond: 0.05 });
    expect(parseRateLimit("1/1")).toEqual({ burst: 1, perSecond: 1 });
  });

  it("anything else is refused with a message naming the setting and the value", () => {
    for (const bad of ["0/60", "5/0", "5", "5/60/2", "-5/60", "five/60", "1.5/60", "12345678/1"]) {
      expect(() => parseRateLimit(bad), bad).toThrow(`FLIGHTDECK_API_RATE_LIMIT must look like "600/60" (calls per seconds); it is "${bad}".`);
    }
  });
});

describe("RateLimiter: a token bucket per caller, on a virtual clock", () => {
  it("a full bucket lets `burst` calls through, then refuses with the seconds until the next one", () => {
    const limiter = new RateLimiter({ burst: 3, perSecond: 3 / 60 });
    const t0 = 1_000_000;
    expect([1, 2, 3].map(() => limiter.take("a", t0))).toEqual([
      { ok: true, remaining: 2 },
      { ok: true, remaining: 1 },
      { ok: true, remaining: 0 },
    ]);
    // One call back takes 20 s at 3 per minute.
    expect(limiter.take("a", t0)).toEqual({ ok: false, retryAfterSeconds: 20 });
    expect(limiter.take("a", t0 + 10_000)).toEqual({ ok: false, retryAfterSeconds: 10 });
    expect(limiter.take("a", t0 + 19_999)).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(limiter.take("a", t0 + 20_000)).toEqual({ ok: true, remaining: 0 });
    expect(limiter.take("a", t0 + 20_000).ok).toBe(false);
  });

  it("each caller has its own bucket", () => {
    const limiter = new RateLimiter({ burst: 1, perSecond: 1 });
    expect(limiter.take("token:1", 0).ok).toBe(true);
    expect(limiter.take("token:1", 0).ok).toBe(false);
    expect(limiter.take("token:2", 0).ok).toBe(true);
    expect(limiter.take("user:1", 0).ok).toBe(true);
  });

  it("refills up to the burst and never beyond, however long the quiet period", () => {
    const limiter = new RateLimiter({ burst: 2, perSecond: 1 });
    expect(limiter.take("a", 0).ok).toBe(true);
    expect(limiter.take("a", 0).ok).toBe(true);
    const later = 3_600_000;
    expect(limiter.take("a", later)).toEqual({ ok: true, remaining: 1 });
    expect(limiter.take("a", later)).toEqual({ ok: true, remaining: 0 });
    expect(limiter.take("a", later).ok).toBe(false);
  });

  it("refused calls do not take from the bucket: a steady caller at the refill rate keeps passing", () => {
    const limiter = new RateLimiter({ burst: 1, perSecond: 1 });
    expect(limiter.take("a", 0).ok).toBe(true);
    for (let i = 0; i < 5; i++) expect(limiter.take("a", 500).ok).toBe(false);
    expect(limiter.take("a", 1000).ok).toBe(true);
    expect(limiter.take("a", 2000).ok).toBe(true);
  });

  it("forgets buckets that have refilled once it tracks more than 10,000 callers, without changing any answer", () => {
    const limiter = new RateLimiter({ burst: 1, perSecond: 1 });
    for (let i = 0; i <= 10_000; i++) expect(limiter.take(`k${i}`, 0).ok).toBe(true);
    // A later call prunes the (now full) buckets; an empty one is still empty.
    expect(limiter.take("hot", 5000).ok).toBe(true);
    expect(limiter.take("hot", 5000).ok).toBe(false);
    expect(limiter.take("k1", 5000).ok).toBe(true);
  });
});
