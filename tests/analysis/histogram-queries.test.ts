import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UPSERT_SAMPLE_SQL, sparseOf } from "@/lib/drivers/local/latency-hist.mjs";
import { closeCurrentDb, makeTempDir, useFreshDb as freshDb } from "@/tests/support/db";
import { seededRandom } from "@/scripts/sim/rng";

// True percentiles from the router's per-second histograms (issue 9), on a real SQLite file with
// migrations applied: window aggregates, step counts, chart buckets, and Prometheus chart rows.
const { dir, cleanup } = makeTempDir("fd-hist-");
const { db, sqlite } = freshDb(dir);
const { seedDemo } = await import("@/db/seed");
const { insertRollout } = await import("@/db/queries/rollouts");
const { findServiceByName, findEnvironmentByName, insertService } = await import("@/db/queries/catalog");
const { chartBuckets, insertProviderSamples, putServiceAnalysis, variantCounts, windowAggregates } = await import("@/db/queries/analysis");
const { loadRolloutMetrics } = await import("@/lib/analysis-view");
const { countAbove, quantile, total } = await import("@/lib/domain/analysis/histogram");

const now = Date.now();
const second = Math.floor(now / 1000);
let serviceId = 0;
let envId = 0;
let promServiceId = 0;
let promRolloutId = 0;
const upsert = sqlite.prepare(UPSERT_SAMPLE_SQL);
const legacy = sqlite.prepare(
  "INSERT INTO metric_samples (service_id, environment_id, second, variant, version, requests, errors_5xx, p50_ms, p95_ms, p99_ms, mean_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
);

/** The router's per-second percentile (nearest rank over the second's sorted latencies). */
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
const exact = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.ceil(q * values.length) - 1]!;

/** Writes one second like the router: counts, per-second percentiles and the histogram. */
function routerSecond(s: number, variant: "canary" | "baseline", version: string, latencies: number[], errors = 0) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const mean = sorted.reduce((x, v) => x + v, 0) / sorted.length;
  upsert.run(serviceId, envId, s, variant, version, sorted.length, errors, pct(sorted, 50), pct(sorted, 95), pct(sorted, 99), mean, JSON.stringify(sparseOf(sorted)));
}

// The measurement: 12 requests/s, 1.5% of them 1.5 s slower.
const tail: number[] = [];
beforeAll(async () => {
  await seedDemo(db);
  serviceId = findServiceByName(db, "sample-api")!.id;
  envId = findEnvironmentByName(db, "staging")!.id;
  const r = seededRandom(3);
  sqlite.transaction(() => {
    for (let s = second - 299; s <= second; s++) {
      const lat = Array.from({ length: 12 }, () => 5 * (0.7 + 0.6 * r()) + (r() < 0.015 ? 1500 : 0));
      tail.push(...lat);
      routerSecond(s, "canary", "1.1.0-tail", lat, s % 50 === 0 ? 1 : 0);
      // A baseline written before histograms existed: per-second columns only.
      legacy.run(serviceId, envId, s, "baseline", "1.0.0", 12, 0, 5, 6, 7, 5);
    }
  })();

  promServiceId = insertService(db, { name: "prom-api", owner: "team", deployTarget: JSON.stringify({ driver: "command", deploy: "true" }), createdAt: now, updatedAt: now }).id;
  putServiceAnalysis(db, promServiceId, JSON.stringify({ provider: { kind: "prometheus", url: "http://127.0.0.1:9" } }), now);
  const base = { environmentId: envId, strategy: "{}", plan: JSON.stringify([{ kind: "deploy" }, { kind: "shift", weight: 50, holdMs: 1 }, { kind: "promote" }]), status: "running", stepIndex: 1, phase: "hold" as const, weight: 50, updatedAt: now };
  promRolloutId = insertRollout(db, { ...base, serviceId: promServiceId, fromVersion: "1.0.0", toVersion: "1.1.0", idempotencyKey: "prom", createdAt: now - 60_000 }).id;
});
afterAll(() => {
  closeCurrentDb();
  cleanup();
});

const versions = { canary: "1.1.0-tail", baseline: "1.0.0" };
const range = () => ({ serviceId, environmentId: envId, fromSecond: second - 299, toSecond: second, versions });

describe("window percentiles from merged histograms", () => {
  it("a 1.5% tail at +1.5 s: p99 within 10% of the true p99, where the mean of per-second p99s said ~480 ms", () => {
    const truth = exact(tail, 0.99);
    expect(truth).toBeGreaterThan(1000);
    const canary = windowAggregates(db, range()).find((a) => a.variant === "canary")!;
    expect(canary).toMatchObject({ requests: 3600, errors: 6, seconds: 300 });
    expect(Math.abs(canary.p99 - truth) / truth).toBeLessThan(0.1);
    expect(Math.abs(canary.p95 - exact(tail, 0.95)) / exact(tail, 0.95)).toBeLessThan(0.02);
    expect(Math.abs(canary.p50 - exact(tail, 0.5)) / exact(tail, 0.5)).toBeLessThan(0.02);
    // What the old request-weighted mean of per-second p99s reports for the same rows.
    const old = sqlite.prepare("SELECT sum(p99_ms * requests) / sum(requests) AS p99 FROM metric_samples WHERE version = '1.1.0-tail'").get() as { p99: number };
    expect(old.p99).toBeLessThan(truth * 0.6);
  });

  it("rows without a histogram fall back to request-weighted per-second percentiles", () => {
    expect(windowAggregates(db, range()).find((a) => a.variant === "baseline")).toMatchObject({ requests: 3600, p50: 5, p95: 6, p99: 7 });
  });
});

describe("variantCounts", () => {
  it("sums the step's requests and 5xx and merges its latency histogram", () => {
    const c = variantCounts(db, range());
    expect(c.canary).toMatchObject({ requests: 3600, errors: 6 });
    expect(total(c.canary!.latency!)).toBe(3600);
    const slow = tail.filter((v) => v > 1000).length;
    expect(countAbove(c.canary!.latency!, 1000)).toBe(slow);
    expect(quantile(c.canary!.latency!, 0.99)).toBeGreaterThan(1000);
    // Histogram-less rows still count; their latency is unknown, not empty.
    expect(c.baseline).toEqual({ requests: 3600, errors: 0, latency: null });
    expect(variantCounts(db, { ...range(), versions: { canary: "9.9.9", baseline: "1.0.0" } }).canary).toBeNull();
    expect(variantCounts(db, { ...range(), fromSecond: second - 9 }).canary!.requests).toBe(120);
  });
});

describe("the router's upsert", () => {
  it("a second flushed twice adds its counts and merges its histograms bucket by bucket", () => {
    const s = second - 1000;
    routerSecond(s, "canary", "1.1.0-tail", [5, 5, 1500]);
    routerSecond(s, "canary", "1.1.0-tail", [5, 7], 1);
    const row = sqlite.prepare("SELECT requests, errors_5xx AS errors, mean_ms AS mean, latency_hist AS hist FROM metric_samples WHERE second = ? AND variant = 'canary'").get(s) as {
      requests: number;
      errors: number;
      mean: number;
      hist: string;
    };
    expect(row).toMatchObject({ requests: 5, errors: 1 });
    expect(row.mean).toBeCloseTo((5 + 5 + 1500 + 5 + 7) / 5, 9);
    expect(JSON.parse(row.hist)).toEqual(sparseOf([5, 5, 1500, 5, 7]));
  });
});

describe("chart buckets", () => {
  it("p95 of a multi-second bucket comes from its merged histograms; a 1 s bucket keeps the router's own p95", () => {
    const rows = chartBuckets(db, { ...range(), bucketSeconds: 100 }).filter((r) => r.variant === "canary");
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (const row of rows) {
      const lat = sqlite.prepare("SELECT latency_hist FROM metric_samples WHERE variant = 'canary' AND version = '1.1.0-tail' AND second BETWEEN ? AND ?").pluck().all(row.bucket, row.bucket + 99) as string[];
      expect(lat).toHaveLength(row.seconds);
      expect(row.p95).toBeGreaterThan(0);
    }
    // A full bucket's p95 against the exact p95 of its 1,200 requests (tail holds 12 per second from second - 299).
    const full = rows.find((r) => r.seconds === 100)!;
    const start = (full.bucket - (second - 299)) * 12;
    const own = tail.slice(start, start + 1200);
    expect(Math.abs(full.p95! - exact(own, 0.95)) / exact(own, 0.95)).toBeLessThan(0.02);
    const one = chartBuckets(db, { ...range(), fromSecond: second, bucketSeconds: 1 }).find((r) => r.variant === "canary")!;
    const p95 = sqlite.prepare("SELECT p95_ms FROM metric_samples WHERE second = ? AND variant = 'canary'").pluck().get(second) as number;
    expect(one.p95).toBe(p95);
  });
});

describe("Prometheus chart rows", () => {
  const row = (s: number, variant: "canary" | "baseline", version: string, requests: number, errors5xx: number, p95Ms: number | null) => ({
    serviceId: promServiceId,
    environmentId: envId,
    second: s,
    variant,
    version,
    requests,
    errors5xx,
    p95Ms,
  });

  it("a Prometheus-measured service charts the rows its ticks stored; a second read again is replaced", () => {
    // Before its first tick stored rows the charts fall back to the router's, and say so.
    legacy.run(promServiceId, envId, second - 3, "canary", "1.1.0", 7, 0, 5, 6, 7, 5);
    const before = loadRolloutMetrics(db, promRolloutId, "15m", now)!;
    expect(before.seriesSource).toBe("router");
    expect(before.series.request_rate).toEqual([{ t: (second - 3) * 1000, canary: 7, baseline: null }]);
    insertProviderSamples(db, [
      row(second - 2, "canary", "1.1.0", 10, 1, 40),
      row(second - 2, "baseline", "1.0.0", 20, 0, 20),
      row(second - 1, "canary", "1.1.0", 9.5, 0, null),
      row(second - 1, "baseline", "1.0.0", 20, 0, 21),
    ]);
    insertProviderSamples(db, [row(second - 2, "canary", "1.1.0", 12, 3, 45)]);
    insertProviderSamples(db, undefined);
    insertProviderSamples(db, []);
    const v = loadRolloutMetrics(db, promRolloutId, "15m", now)!;
    expect(v.config.provider).toBe("prometheus");
    // From then on only Prometheus' rows: the router's second (- 3) is not mixed in.
    expect(v.seriesSource).toBe("prometheus");
    expect(v.series.request_rate).toEqual([
      { t: (second - 2) * 1000, canary: 12, baseline: 20 },
      { t: (second - 1) * 1000, canary: 9.5, baseline: 20 },
    ]);
    expect(v.series.error_rate[0]).toMatchObject({ canary: 25, baseline: 0 });
    // No latency from Prometheus for a second: no p95 point rather than a 0 ms one.
    expect(v.series.p95_ms).toEqual([
      { t: (second - 2) * 1000, canary: 45, baseline: 20 },
      { t: (second - 1) * 1000, canary: null, baseline: 21 },
    ]);
  });

  it("provider rows never mix with the router's: a builtin service's chart ignores them", () => {
    insertProviderSamples(db, [{ ...row(second, "canary", "1.1.0-tail", 1000, 1000, 9999), serviceId }]);
    const base = { serviceId, environmentId: envId, strategy: "{}", plan: "[]", status: "running", stepIndex: 1, phase: "hold" as const, weight: 50, updatedAt: now };
    const id = insertRollout(db, { ...base, fromVersion: "1.0.0", toVersion: "1.1.0-tail", idempotencyKey: "builtin", createdAt: now - 300_000 }).id;
    const v = loadRolloutMetrics(db, id, "15m", now)!;
    expect(v.config.provider).toBe("builtin");
    expect(v.seriesSource).toBe("router");
    expect(v.series.request_rate.find((p) => p.t === second * 1000)).toMatchObject({ canary: 12, baseline: 12 });
  });
});
