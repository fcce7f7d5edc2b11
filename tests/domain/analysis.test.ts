import { describe, expect, it } from "vitest";
import { type AnalysisConfig, DEFAULT_ANALYSIS, analysisConfigErrors, analysisConfigJsonSchema, analysisConfigSchema, effectiveRules } from "@/lib/domain/analysis/config";
import { type AnalysisState, type Evaluation, type FetchResult, type VariantValues, evaluate, initialAnalysisState } from "@/lib/domain/analysis/evaluate";
import { healthOf } from "@/lib/domain/analysis/health";
import { burnRate, judge, mannWhitney } from "@/lib/domain/analysis/stats";

const good: VariantValues = { requests: 1000, request_rate: 20, p50_ms: 5, p95_ms: 8, p99_ms: 10, error_rate: 0.1, cpu_pct: 5, memory_pct: 10 };

/** A config with only the given rules (no health rules, no judge). */
function only(rules: unknown[], extra: Record<string, unknown> = {}): AnalysisConfig {
  return analysisConfigSchema.parse({ rules, health: { enabled: false }, judge: { enabled: false }, ...extra });
}

const snap = (canary: Partial<VariantValues> | null, baseline: Partial<VariantValues> | null = {}): FetchResult => ({
  ok: true,
  snapshot: { windowSeconds: 60, canary: canary && { ...good, ...canary }, baseline: baseline && { ...good, ...baseline } },
});

/** Evaluates the same input every second from t=0 to `seconds`; returns every evaluation. */
function over(cfg: AnalysisConfig, input: FetchResult, seconds: number, state: AnalysisState = initialAnalysisState()): Evaluation[] {
  const out: Evaluation[] = [];
  for (let t = 0; t <= seconds; t++) {
    const e = evaluate(cfg, state, input, t * 1000);
    out.push(e);
    state = e.state;
  }
  return out;
}
const firstDecision = (es: Evaluation[]) => es.find((e) => e.decision);

describe("runbook 002 decision matrix (every row, with the default rules)", () => {
  const cfg = analysisConfigSchema.parse({ health: { enabled: false }, judge: { enabled: false } });
  // metric value, duration of the rule, expected action
  const rows: [string, Partial<VariantValues>, number, string, string][] = [
    ["P95 > 600 ms for 5 min -> gradual", { p95_ms: 700 }, 300, "rollback_gradual", "002-p95-600"],
    ["P95 > 1000 ms for 2 min -> immediate", { p95_ms: 1200 }, 120, "rollback_immediate", "002-p95-1000"],
    ["5xx > 1% for 5 min -> gradual", { error_rate: 1.5 }, 300, "rollback_gradual", "002-5xx-1"],
    ["5xx > 5% for 1 min -> immediate", { error_rate: 6.2 }, 60, "rollback_immediate", "002-5xx-5"],
    ["burn > 2x for 10 min -> gradual", { error_rate: 2.5 }, 600, "rollback_gradual", "002-burn-2"],
    ["burn > 5x for 2 min -> immediate", { error_rate: 5.5 }, 120, "rollback_immediate", "002-burn-5"],
  ];
  it.each(rows)("%s", (_name, canary, seconds, action, ruleId) => {
    // Isolate the row: only that rule, so overlapping rows (5xx 6% also breaches 5xx 1%) do not interfere.
    const rule = DEFAULT_ANALYSIS.rules.find((r) => r.id === ruleId)!;
    const one = only([rule]);
    const es = over(one, snap(canary, { error_rate: 0.1 }), seconds);
    expect(es.at(-2)!.decision).toBeNull(); // one second short of the duration: not yet
    expect(es.at(-2)!.verdict).toBe("inconclusive"); // breaching: the hold may not advance
    const d = es.at(-1)!.decision!;
    expect(d).toMatchObject({ kind: action, ruleId });
    expect(es.at(-1)!.verdict).toBe("fail");
    expect(d.satisfiedAt).toBe(seconds * 1000);
    // With all default rules, the most severe rule firing first decides.
    expect(firstDecision(over(cfg, snap(canary), seconds))?.decision?.kind).toBeDefined();
  });

  it("the 5xx 6.2% sentence carries the numbers", () => {
    const rule = DEFAULT_ANALYSIS.rules.find((r) => r.id === "002-5xx-5")!;
    const d = over(only([rule]), snap({ error_rate: 6.2 }, { error_rate: 0.1 }), 60).at(-1)!.decision!;
    expect(d.sentence).toBe("rolled back: canary 5xx 6.2% > 5% for 60 s; baseline 0.1%");
    expect(d).toMatchObject({ canary: 6.2, baseline: 0.1, threshold: 5, metric: "error_rate", windowSeconds: 60, forMs: 60_000 });
  });

  it("a breach that stops resets the streak (consecutive by default)", () => {
    const cfg1 = only([{ metric: "error_rate", threshold: 5, forSeconds: 10, action: "rollback_immediate" }]);
    let s = initialAnalysisState();
    for (let t = 0; t < 8; t++) s = evaluate(cfg1, s, snap({ error_rate: 6 }), t * 1000).state;
    s = evaluate(cfg1, s, snap({ error_rate: 1 }), 8000).state;
    const es = over(cfg1, snap({ error_rate: 6 }), 9, s);
    expect(es.every((e) => e.decision === null)).toBe(true);
  });

  it("timeScale shrinks durations for demos (5 min x 0.02 = 6 s)", () => {
    const cfg1 = only([{ metric: "p95_ms", threshold: 600, forSeconds: 300, action: "rollback_gradual" }], { timeScale: 0.02 });
    expect(effectiveRules(cfg1)[0]!.effectiveForMs).toBe(6000);
    expect(firstDecision(over(cfg1, snap({ p95_ms: 900 }), 10))!.at).toBe(6000);
  });

  it("non-consecutive rules fire when enough evaluations of the span breach", () => {
    const cfg1 = only([{ metric: "error_rate", threshold: 1, forSeconds: 10, consecutive: false, minShare: 0.8, action: "rollback_gradual" }]);
    let s = initialAnalysisState();
    let fired: Evaluation | undefined;
    for (let t = 0; t <= 20 && !fired; t++) {
      const e = evaluate(cfg1, s, snap({ error_rate: t % 7 === 3 ? 0.2 : 3 }), t * 1000);
      s = e.state;
      if (e.decision) fired = e;
    }
    expect(fired?.at).toBeGreaterThanOrEqual(10_000);
  });
});

describe("runbook 001 relative triggers", () => {
  const rules = DEFAULT_ANALYSIS.rules.filter((r) => r.source === "runbook 001");
  it("error rate > baseline + 10% for > 5 min -> rollback (with a 0.5% floor)", () => {
    const cfg = only([rules.find((r) => r.id === "001-errors-baseline")!]);
    expect(firstDecision(over(cfg, snap({ error_rate: 0.9 }, { error_rate: 0.8 }), 300))?.decision?.kind).toBe("rollback_gradual"); // 0.9 > 0.88
    expect(firstDecision(over(cfg, snap({ error_rate: 0.87 }, { error_rate: 0.8 }), 300))).toBeUndefined(); // within +10%
    expect(firstDecision(over(cfg, snap({ error_rate: 0.3 }, { error_rate: 0.01 }), 300))).toBeUndefined(); // below the floor
    const d = firstDecision(over(cfg, snap({ error_rate: 3 }, { error_rate: 1 }), 300))!.decision!;
    expect(d.sentence).toBe("rolled back gradually: canary 5xx 3% > 1.1% (baseline + 10%) for 5 min; baseline 1%");
  });
  it("p95 > SLO + 20% for > 5 min -> rollback", () => {
    const cfg = only([rules.find((r) => r.id === "001-p95-slo")!], { latencySloMs: 500 });
    expect(firstDecision(over(cfg, snap({ p95_ms: 601 }), 300))?.decision).toMatchObject({ kind: "rollback_gradual", threshold: 600 });
    expect(firstDecision(over(cfg, snap({ p95_ms: 600 }), 300))).toBeUndefined();
  });
});

describe("runbook 003 health classes (boundaries)", () => {
  const h = (p: Partial<Parameters<typeof healthOf>[0]>) =>
    healthOf({ errorRatePct: null, canaryP99Ms: null, baselineP99Ms: null, cpuPct: null, memoryPct: null, ...p }).overall;
  it.each([
    ["error 0.49%", { errorRatePct: 0.49 }, "healthy"],
    ["error 0.5%", { errorRatePct: 0.5 }, "degraded"],
    ["error 2%", { errorRatePct: 2 }, "degraded"],
    ["error 2.01%", { errorRatePct: 2.01 }, "unhealthy"],
    ["p99 +19%", { canaryP99Ms: 119, baselineP99Ms: 100 }, "healthy"],
    ["p99 +20%", { canaryP99Ms: 120, baselineP99Ms: 100 }, "degraded"],
    ["p99 +50%", { canaryP99Ms: 150, baselineP99Ms: 100 }, "degraded"],
    ["p99 +51%", { canaryP99Ms: 151, baselineP99Ms: 100 }, "unhealthy"],
    ["p99 +100% but under the floor", { canaryP99Ms: 10, baselineP99Ms: 5, latencyFloorMs: 50 }, "healthy"],
    ["cpu 69.9%", { cpuPct: 69.9 }, "healthy"],
    ["cpu 70%", { cpuPct: 70 }, "degraded"],
    ["cpu 85%", { cpuPct: 85 }, "degraded"],
    ["cpu 85.1%", { cpuPct: 85.1 }, "unhealthy"],
    ["memory 79.9%", { memoryPct: 79.9 }, "healthy"],
    ["memory 80%", { memoryPct: 80 }, "degraded"],
    ["memory 90%", { memoryPct: 90 }, "degraded"],
    ["memory 90.1%", { memoryPct: 90.1 }, "unhealthy"],
    ["worst metric wins", { errorRatePct: 0.1, cpuPct: 90 }, "unhealthy"],
  ] as const)("%s -> %s", (_n, input, expected) => {
    expect(h(input)).toBe(expected);
  });

  it("unhealthy rolls back, degraded holds for the captain (health rules)", () => {
    const cfg = analysisConfigSchema.parse({ rules: [], judge: { enabled: false }, health: { forSeconds: 30 } });
    expect(firstDecision(over(cfg, snap({ error_rate: 2.5 }), 30))?.decision?.kind).toBe("rollback_gradual");
    expect(firstDecision(over(cfg, snap({ error_rate: 1 }), 30))?.decision?.kind).toBe("hold");
    expect(firstDecision(over(cfg, snap({ cpu_pct: 90 }), 30))?.decision?.kind).toBe("rollback_gradual");
    expect(firstDecision(over(cfg, snap({ memory_pct: 85 }), 30))?.decision?.kind).toBe("hold");
    expect(firstDecision(over(cfg, snap({ p99_ms: 200 }, { p99_ms: 100 }), 30))?.decision).toMatchObject({ kind: "rollback_gradual", ruleId: "003-p99-unhealthy", threshold: 150 });
    expect(over(cfg, snap({ error_rate: 1 }), 3).at(-1)!.health).toBe("degraded");
    expect(over(cfg, snap({}), 3).at(-1)!.verdict).toBe("pass");
  });
});

describe("burn rate", () => {
  it.each([
    [1, 0.99, 1],
    [2, 0.99, 2],
    [0.1, 0.999, 1],
    [5, 0.99, 5],
    [0, 0.99, 0],
  ])("error %d percent at SLO %d burns %dx", (err, slo, expected) => {
    expect(burnRate(err, slo)).toBeCloseTo(expected, 9);
  });
});

describe("Mann-Whitney U", () => {
  it("fully separated samples: U = 0 and 25, p (two-sided, normal approx.) = 0.0122", () => {
    const r = mannWhitney([1, 2, 3, 4, 5], [6, 7, 8, 9, 10])!;
    expect(r.u).toBe(0);
    expect(r.uOther).toBe(25);
    expect(r.pTwoSided).toBeCloseTo(0.0122, 3);
  });
  it("ties take average ranks (textbook example: U = 3.5)", () => {
    const r = mannWhitney([1, 2, 2], [2, 3, 4])!;
    // ranks: 1 ->1, 2,2,2 -> 3 each, 3 -> 5, 4 -> 6: R1 = 1+3+3 = 7, U1 = 7 - 6 = 1
    expect(r.u).toBe(1);
    expect(r.uOther).toBe(8);
  });
  it("identical samples: U = n1*n2/2 and p = 1", () => {
    const r = mannWhitney([3, 3, 3], [3, 3, 3])!;
    expect(r.u).toBe(4.5);
    expect(r.pTwoSided).toBe(1);
  });
  it("one-sided: larger canary gives small pGreater", () => {
    const x = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
    const y = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10.5];
    expect(mannWhitney(x, y)!.pGreater).toBeLessThan(0.001);
    expect(mannWhitney(y, x)!.pGreater).toBeGreaterThan(0.99);
  });
  it("the judge scores 0-100 and needs enough points", () => {
    const slow = Array.from({ length: 20 }, (_, i) => 800 + i);
    const fast = Array.from({ length: 20 }, (_, i) => 5 + (i % 3));
    const opts = { alpha: 0.05, tolerancePct: 20, minPoints: 10 };
    expect(judge([{ name: "latency", canary: slow, baseline: fast }, { name: "errors", canary: fast.map(() => 0), baseline: fast.map(() => 0) }], opts).score).toBe(50);
    expect(judge([{ name: "latency", canary: fast, baseline: fast }], opts).score).toBe(100);
    expect(judge([{ name: "latency", canary: [1, 2], baseline: fast }], opts).score).toBeNull();
  });
  it("in act mode a low score fails the canary", () => {
    const cfg = analysisConfigSchema.parse({ rules: [], health: { enabled: false }, judge: { mode: "act" } });
    const slow = Array.from({ length: 20 }, (_, i) => 800 + i);
    const fast = Array.from({ length: 20 }, (_, i) => 5 + (i % 3));
    const e = evaluate(cfg, initialAnalysisState(), { ok: true, snapshot: { windowSeconds: 20, canary: good, baseline: good, series: { canary: { latency: slow, errors: slow.map(() => 50) }, baseline: { latency: fast, errors: fast.map(() => 0) } } } }, 0);
    expect(e.score).toBe(0);
    expect(e.verdict).toBe("fail");
    expect(e.decision).toMatchObject({ kind: "rollback_gradual", ruleId: "judge" });
  });
});

describe("fail safe: never a pass without good data", () => {
  const cfg = analysisConfigSchema.parse({ errorLimit: 3, inconclusiveLimit: 4, minRequests: 50 });
  it.each([
    ["provider error", { ok: false, error: "connect ECONNREFUSED 127.0.0.1:9" }, "error", /metrics provider failed: connect ECONNREFUSED/],
    ["no canary data", snap(null), "inconclusive", /no data for the canary/],
    ["no baseline data", snap({}, null), "inconclusive", /no data for the baseline/],
    ["too few canary requests", snap({ requests: 12 }), "inconclusive", /too few canary requests \(12 < 50/],
    ["too few baseline requests", snap({}, { requests: 3 }), "inconclusive", /too few baseline requests/],
    ["NaN from the provider", snap({ p95_ms: NaN }), "error", /NaN for canary p95/],
  ] as const)("%s -> %s", (_n, input, verdict, reason) => {
    const e = evaluate(cfg, initialAnalysisState(), input, 0);
    expect(e.verdict).toBe(verdict);
    expect(e.reasons.join(" ")).toMatch(reason);
    expect(e.decision).toBeNull();
  });
  it("consecutive errors pause the rollout at the limit, and again every limit more (after a resume)", () => {
    const es = over(cfg, { ok: false, error: "HTTP 503" }, 6);
    expect(es.map((e) => e.decision?.kind ?? null)).toEqual([null, null, "pause_errors", null, null, "pause_errors", null]);
    expect(es[2]!.decision!.sentence).toBe("paused: 3 consecutive analysis errors; last: metrics provider failed: HTTP 503");
  });
  it("a good evaluation resets the error count", () => {
    let s = initialAnalysisState();
    for (let t = 0; t < 2; t++) s = evaluate(cfg, s, { ok: false, error: "x" }, t * 1000).state;
    s = evaluate(cfg, s, snap({}), 2000).state;
    expect(s.consecutiveErrors).toBe(0);
  });
  it("long inconclusive streaks pause too", () => {
    expect(over(cfg, snap({ requests: 1 }), 5).find((e) => e.decision)?.decision?.kind).toBe("pause_inconclusive");
  });
  it("missing CPU/memory skip those rules only", () => {
    expect(evaluate(cfg, initialAnalysisState(), snap({ cpu_pct: null, memory_pct: null }), 0).verdict).toBe("pass");
  });
});

describe("config validation", () => {
  it("defaults reproduce the runbooks", () => {
    expect(DEFAULT_ANALYSIS.rules).toHaveLength(8);
    expect(effectiveRules(DEFAULT_ANALYSIS)).toHaveLength(16);
    expect(DEFAULT_ANALYSIS.intervalSeconds).toBe(1);
  });
  it.each([
    [{ rules: [{ metric: "latency", threshold: 1, forSeconds: 1, action: "hold" }] }, "rules.0.metric", /Unknown metric "latency"/],
    [{ rules: [{ metric: "error_rate", threshold: 150, forSeconds: 1, action: "hold" }] }, "rules.0.threshold", /between 0 and 100/],
    [{ rules: [{ metric: "p95_ms", threshold: 600, forSeconds: 0, action: "hold" }] }, "rules.0.forSeconds", /Duration must be above 0 s/],
    [{ rules: [{ metric: "p95_ms", threshold: 600, forSeconds: 5, action: "explode" }] }, "rules.0.action", /Action must be one of/],
    [{ provider: { kind: "graphite" } }, "provider.kind", /builtin" or "prometheus/],
    [{ provider: { kind: "prometheus", url: "not a url" } }, "provider.url", /http\(s\) URL/],
    [{ sloTarget: 1 }, "sloTarget", /below 1/],
    [{ provider: { kind: "prometheus", url: "http://127.0.0.1:9090", queries: { latency: "up" } } }, "provider.queries", /Unrecognized key: "latency"/],
    [{ intervalSeconds: 0 }, "intervalSeconds", /at least 0\.1 s/],
    [{ timeScale: 0 }, "timeScale", /above 0/],
  ])("%j is refused at %s", (value, field, message) => {
    const errors = analysisConfigErrors(value)!;
    expect(Object.keys(errors)).toContain(field);
    expect(errors[field]!.join(" ")).toMatch(message);
  });
  it("JSON text errors name the field", () => {
    const r = analysisConfigJsonSchema.safeParse('{"rules":[{"metric":"p95_ms","threshold":1,"forSeconds":0,"action":"hold"}]}');
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.message).toBe("rules.0.forSeconds: Duration must be above 0 s.");
    expect(analysisConfigJsonSchema.safeParse("{oops").error!.issues[0]!.message).toBe("Analysis config must be valid JSON.");
  });
});
