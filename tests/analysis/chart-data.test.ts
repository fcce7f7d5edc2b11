import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeCurrentDb, makeTempDir, useFreshDb as freshDb } from "@/tests/support/db";

// Chart data of a rollout (J1) from a real SQLite file: decimation to <= 1,000 points per line,
// windows, thresholds, weight history and markers.
const { dir, cleanup } = makeTempDir("fd-chart-");
const { db, sqlite } = freshDb(dir);
const { seedDemo } = await import("@/db/seed");
const { insertRollout } = await import("@/db/queries/rollouts");
const { findServiceByName, findEnvironmentByName } = await import("@/db/queries/catalog");
const { loadRolloutMetrics } = await import("@/lib/analysis-view");
const { insertEvidence, saveAnalysisState } = await import("@/db/queries/analysis");

let longId = 0;
let emptyId = 0;
const now = Date.now();

beforeAll(async () => {
  await seedDemo(db);
  const svc = findServiceByName(db, "sample-api")!;
  const env = findEnvironmentByName(db, "staging")!;
  const base = { serviceId: svc.id, environmentId: env.id, strategy: "{}", plan: JSON.stringify([{ kind: "deploy" }, { kind: "shift", weight: 50, holdMs: 1 }, { kind: "promote" }]), status: "running", stepIndex: 1, phase: "hold" as const, weight: 50, updatedAt: now };
  longId = insertRollout(db, { ...base, fromVersion: "1.0.0", toVersion: "1.1.0", idempotencyKey: "long", createdAt: now - 7_200_000 }).id;
  emptyId = insertRollout(db, { ...base, environmentId: findEnvironmentByName(db, "production")!.id, fromVersion: "1.0.0", toVersion: "9.9.9", idempotencyKey: "empty", createdAt: now - 10_000 }).id;
  const ins = sqlite.prepare("INSERT INTO metric_samples (service_id, environment_id, second, variant, version, requests, errors_5xx, p50_ms, p95_ms, p99_ms, mean_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  const second = Math.floor(now / 1000);
  sqlite.transaction(() => {
    for (let s = second - 7200; s <= second; s++) {
      ins.run(svc.id, env.id, s, "baseline", "1.0.0", 20, 0, 5, 8, 12, 6);
      ins.run(svc.id, env.id, s, "canary", "1.1.0", 10, s % 10 === 0 ? 1 : 0, 5, 9, 12, 6);
    }
  })();
});
afterAll(() => {
  closeCurrentDb();
  cleanup();
});

describe("rollout chart data", () => {
  it("a 2-hour canary at 1 s comes back decimated to at most 1,000 points per line", () => {
    const v = loadRolloutMetrics(db, longId, "all", now)!;
    expect(v.bucketSeconds).toBe(8);
    for (const m of Object.keys(v.series) as (keyof typeof v.series)[]) expect(v.series[m].length).toBeLessThanOrEqual(1000);
    expect(v.series.p95_ms.length).toBeGreaterThan(850);
    // Buckets sum requests and errors: 1 error in 10 s of 10 requests/s = 1% on average.
    const avg = v.series.error_rate.reduce((s, p) => s + (p.canary ?? 0), 0) / v.series.error_rate.length;
    expect(avg).toBeCloseTo(1, 0);
    expect(v.series.request_rate.at(-2)).toMatchObject({ canary: 10, baseline: 20 });
  });
  it("the 15-minute window keeps 1 s resolution", () => {
    const v = loadRolloutMetrics(db, longId, "15m", now)!;
    expect(v.bucketSeconds).toBe(1);
    expect(v.series.p95_ms).toHaveLength(900);
    expect(v.series.p95_ms.at(-1)).toMatchObject({ canary: 9, baseline: 8 });
  });
  it("thresholds come from the service's rules (runbook 002 at the chart's metrics)", () => {
    const v = loadRolloutMetrics(db, longId, "15m", now)!;
    expect(v.thresholds.error_rate.map((t) => t.value)).toEqual([1, 2, 5]);
    expect(v.thresholds.p95_ms.map((t) => t.value)).toEqual([600, 1000]);
    expect(v.thresholds.burn_rate.map((t) => t.value)).toEqual([2, 5]);
    expect(v.thresholds.cpu_pct.map((t) => t.value)).toEqual([85]);
  });
  it("a rollout without samples has empty series (the chart says 'waiting for samples')", () => {
    const v = loadRolloutMetrics(db, emptyId, "15m", now)!;
    expect(v.series.p95_ms).toEqual([]);
    expect(v.analysis).toBeNull();
    expect(v.weight[0]).toMatchObject({ weight: 0 });
  });
  it("evidence charts: each count rule's cumulative share, upper bound, threshold and evidence against its 1/alpha bar, decimated", () => {
    // Two hours of evaluations every second for one rule (as the worker stores them).
    sqlite.transaction(() => {
      for (let t = now - 7_200_000; t <= now; t += 1000) insertEvidence(db, { rolloutId: longId, at: t, rules: JSON.stringify([["002-5xx-5", Math.log(50), 0.1, 0.2, 0.05, 0.001], ["002-5xx-1", Math.log(3), 0.1, 0.2, 0.01, null]]) });
    })();
    const lnBound = Math.log(1200);
    saveAnalysisState(db, { rolloutId: longId, state: "{}", verdict: "inconclusive", reasons: "[]", health: null, score: null, canary: null, baseline: null, evaluatedAt: now, evidence: JSON.stringify([{ ruleId: "002-5xx-5", lnBound }]) });
    const v = loadRolloutMetrics(db, longId, "all", now)!;
    const fiveXx = v.evidence.find((e) => e.ruleId === "002-5xx-5")!;
    expect(fiveXx.points.length).toBeLessThanOrEqual(1000);
    expect(fiveXx.points.length).toBeGreaterThan(500);
    expect(fiveXx.points.at(-1)).toMatchObject({ rate: 0.1, upper: 0.2, threshold: 0.05, baseline: 0.001 });
    expect(fiveXx.points.at(-1)!.log10Evidence).toBeCloseTo(Math.log10(50), 6);
    expect(fiveXx.log10Bound).toBeCloseTo(Math.log10(1200), 6);
    expect(fiveXx.label).toBe("002-5xx-5: 5xx > 5%");
    expect(v.evidence.find((e) => e.ruleId === "002-5xx-1")!.log10Bound).toBeNull(); // no latest bound for it
    expect(loadRolloutMetrics(db, emptyId, "15m", now)!.evidence).toEqual([]);
  });

  it("an unknown rollout is undefined (the route answers 404)", () => {
    expect(loadRolloutMetrics(db, 999_999, "15m", now)).toBeUndefined();
  });
});
