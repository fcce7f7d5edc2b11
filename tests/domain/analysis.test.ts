import { describe, expect, it } from "vitest";
import { DEFAULT_ANALYSIS, analysisConfigErrors, analysisConfigJsonSchema, analysisConfigSchema, effectiveRules } from "@/lib/domain/analysis/config";
import { healthOf } from "@/lib/domain/analysis/health";
import { burnRate, judge, mannWhitney } from "@/lib/domain/analysis/stats";

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
    [{ sequential: { alpha: 0 } }, "sequential.alpha", /Alpha must be above 0/],
    [{ sequential: { alpha: 0.5 } }, "sequential.alpha", /at most 0\.2/],
    [{ sequential: { priorStrength: 0 } }, "sequential.priorStrength", /Prior strength must be above 0/],
    [{ sequential: { safetyAlpha: "x" } }, "sequential.safetyAlpha", /must be a number/],
    [{ sequential: { beta: 1 } }, "sequential", /Unrecognized key: "beta"/],
  ])("%j is refused at %s", (value, field, message) => {
    const errors = analysisConfigErrors(value)!;
    expect(Object.keys(errors)).toContain(field);
    expect(errors[field]!.join(" ")).toMatch(message);
  });
  it("a stored config from before sequential tests still parses (its minimum-request guard is dropped)", () => {
    const cfg = analysisConfigSchema.parse({ minRequests: 10, timeScale: 0.02 });
    expect(cfg).not.toHaveProperty("minRequests");
    expect(cfg.sequential).toEqual({ alpha: 0.01, safetyAlpha: 0.2, requireSafety: true, priorStrength: 2 });
  });
  it("JSON text errors name the field", () => {
    const r = analysisConfigJsonSchema.safeParse('{"rules":[{"metric":"p95_ms","threshold":1,"forSeconds":0,"action":"hold"}]}');
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.message).toBe("Rule 1, for seconds: Duration must be above 0 s.");
    expect(analysisConfigJsonSchema.safeParse("{oops").error!.issues[0]!.message).toBe("Analysis config must be valid JSON.");
  });
});
