import { describe, expect, it } from "vitest";
import { DEMO_ANALYSIS_INPUT, analysisConfigSchema } from "@/lib/domain/analysis/config";
import { sparseOf } from "@/lib/domain/analysis/histogram";
import { type ReplayRollout, type TimelinePoint, replayAnalysisInput, replayRollout, timelineOf } from "@/lib/domain/analysis/replay";
import type { SampleRow, Variant } from "@/lib/domain/analysis/snapshot";

// Issue 9 part 5 (I7): a draft config replayed over scripted per-second rows, as the worker would
// have evaluated them. T0 is a whole second; the rollout's canary gets traffic from T0 + 0.5 s.
const T0 = 1_700_000_000_000;
const S0 = T0 / 1000;

/** One second of one variant like the router writes it: `latencies` in ms, the first `errors` of them 5xx. */
function row(second: number, variant: Variant, version: string, latencies: number[], errors = 0, legacy = false): SampleRow {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
  return {
    second,
    variant,
    version,
    requests: sorted.length,
    errors,
    p50Ms: at(0.5),
    p95Ms: at(0.95),
    p99Ms: at(0.99),
    meanMs: sorted.reduce((s, x) => s + x, 0) / Math.max(1, sorted.length),
    latency: legacy ? null : sparseOf(sorted),
  };
}

/** Seconds [from, to) of both variants: `canary` requests/s (`errors` of them 5xx) and `baseline` requests/s, latencies 4-6 ms. */
function traffic(from: number, to: number, o: { canary: number; errors: number; baseline: number; canaryVersion?: string; legacy?: boolean }): SampleRow[] {
  const out: SampleRow[] = [];
  const lat = (n: number) => Array.from({ length: n }, (_, i) => 4 + (i % 5) * 0.5);
  for (let s = from; s < to; s++) {
    out.push(row(s, "baseline", "1.0.0", lat(o.baseline), 0, o.legacy));
    if (o.canary > 0) out.push(row(s, "canary", o.canaryVersion ?? "1.1.0", lat(o.canary), o.errors, o.legacy));
  }
  return out;
}

const point = (atMs: number, status: string, stepIndex: number, weight: number, event: string): TimelinePoint => ({ at: T0 + atMs, status, stepIndex, weight, event });

/** 10% with a 10 s hold, then promote to 100%: the audit trail's states. */
const twoSteps = (endMs = 12_500): TimelinePoint[] => [
  point(0, "running", 0, 0, "start"),
  point(500, "running", 0, 10, "step_succeeded"),
  point(10_500, "running", 1, 10, "hold_elapsed"),
  point(11_000, "running", 1, 100, "step_succeeded"),
  point(endMs, "succeeded", 1, 100, "step_succeeded"),
];

const rollout = (o: Partial<ReplayRollout> = {}): ReplayRollout => ({ startedAt: T0, endedAt: T0 + 12_500, status: "succeeded", canaryVersion: "1.1.0", baselineVersion: "1.0.0", timeline: twoSteps(), ...o });

/** One rule, no health classes: a 5xx share above 5% sustained for 2 s rolls back at once. */
const oneRule = analysisConfigSchema.parse({
  windowSeconds: 10,
  health: { enabled: false },
  rules: [{ id: "5xx", metric: "error_rate", threshold: 5, forSeconds: 2, action: "rollback_immediate" }],
});
const demo = analysisConfigSchema.parse(DEMO_ANALYSIS_INPUT);

describe("replaying a draft config over a past rollout", () => {
  it("a bad canary's rows: the rule rolls back at the expected time (evidence at the first whole second with a complete canary second, + 2 s)", () => {
    // Evaluations: T0 (weight 0, none), T0+1 s (step starts; its first second is not over), T0+2 s
    // (second S0+1 counted: 100% 5xx, breach established), due at T0+4 s: sustained 2 s.
    const rows = traffic(S0 - 20, S0 + 12, { canary: 0, errors: 0, baseline: 100 }).concat(traffic(S0, S0 + 12, { canary: 20, errors: 20, baseline: 0 }));
    const r = replayRollout(oneRule, rollout(), rows);
    expect(r.outcome).toMatchObject({ kind: "decision", at: T0 + 4000, afterSeconds: 4, decision: { kind: "rollback_immediate", ruleId: "5xx" } });
    expect(r.sentence).toMatch(/^rolled back: canary 5xx 100% \(\d+\/\d+\) .* > 5% \(5xx, sustained 2 s\); evidence .* \(at 4 s\)$/);
    expect(r.evaluations).toBe(4); // T0+1, +2, +3, +4 s
    expect(r.truncated).toBe(false);
  });

  it("the demo's scaled runbook rules catch a 20% 5xx canary at 10 requests/s within seconds", () => {
    const rows = traffic(S0 - 20, S0 + 12, { canary: 10, errors: 2, baseline: 90 });
    const r = replayRollout(demo, rollout(), rows);
    expect(r.outcome.kind).toBe("decision");
    if (r.outcome.kind !== "decision") return;
    expect(r.outcome.decision.kind).toMatch(/^rollback_/);
    expect(r.outcome.decision.sentence).toMatch(/^rolled back( gradually)?: canary 5xx/);
    expect(r.outcome.afterSeconds).toBeGreaterThan(1);
    expect(r.outcome.afterSeconds).toBeLessThan(10.5);
  });

  it("a clean canary passes every step (the hold gate sees a recent pass when the hold ends)", () => {
    const rows = traffic(S0 - 20, S0 + 13, { canary: 10, errors: 0, baseline: 90 });
    const r = replayRollout(demo, rollout(), rows);
    expect(r.outcome).toEqual({ kind: "passed" });
    expect(r.sentence).toBe("would have passed every step");
    expect(r.evaluations).toBeGreaterThanOrEqual(11);
  });

  it("legacy rows without histograms: latency rules cannot judge them, so the draft would have held (never a pass)", () => {
    const rows = traffic(S0 - 20, S0 + 13, { canary: 10, errors: 0, baseline: 90, legacy: true });
    const r = replayRollout(demo, rollout(), rows);
    expect(r.outcome).toMatchObject({ kind: "held", afterSeconds: 10.5 });
    expect(r.sentence).toMatch(/^would have held at 10\.5 s: analysis inconclusive: 002-p95-600: the provider gave no latency histogram for the canary/);
  });

  it("a draft that demands evidence of safety would have held the clean canary at the end of its hold, and says why", () => {
    const strict = analysisConfigSchema.parse({ ...DEMO_ANALYSIS_INPUT, sequential: { requireSafety: true } });
    const r = replayRollout(strict, rollout(), traffic(S0 - 20, S0 + 13, { canary: 2, errors: 0, baseline: 18 }));
    expect(r.outcome).toMatchObject({ kind: "held", at: T0 + 10_500, afterSeconds: 10.5 });
    expect(r.sentence).toMatch(/^would have held at 10\.5 s: analysis inconclusive: awaiting evidence of safety at 80%/);
  });

  it("no decision before the rollout's data ends: the draft's last verdict, with the reason", () => {
    const rolledBack: TimelinePoint[] = [point(0, "running", 0, 0, "start"), point(500, "running", 0, 10, "step_succeeded"), point(3_200, "rolling_back", 0, 10, "abort"), point(3_600, "rolled_back", 0, 0, "rollback_succeeded")];
    const rows = traffic(S0 - 20, S0 + 4, { canary: 0, errors: 0, baseline: 100 }).concat(traffic(S0, S0 + 4, { canary: 20, errors: 20, baseline: 0 }));
    const r = replayRollout(oneRule, rollout({ status: "rolled_back", endedAt: T0 + 3_600, timeline: rolledBack }), rows);
    expect(r.outcome).toMatchObject({ kind: "undecided", verdict: "inconclusive", afterSeconds: 3.6 });
    expect(r.sentence).toMatch(/^would have held: 5xx: canary 5xx 100% .* for 1 s of 2 s \(no decision before the rollout's data ends \(rolled back\) at 3\.6 s\)$/);
  });

  it("nothing to analyse: analysis off, no baseline, or the canary never had traffic", () => {
    const rows = traffic(S0, S0 + 13, { canary: 10, errors: 0, baseline: 90 });
    expect(replayRollout({ ...demo, enabled: false }, rollout(), rows).sentence).toBe("would not have analysed it: analysis is off in this config");
    expect(replayRollout(demo, rollout({ baselineVersion: null }), rows).sentence).toBe("would not have analysed it: no baseline to compare with");
    const zero = [point(0, "running", 0, 0, "start"), point(2_000, "failed", 0, 0, "step_failed")];
    expect(replayRollout(demo, rollout({ status: "failed", timeline: zero }), rows).outcome).toEqual({ kind: "not_analysed", reason: "the canary had no traffic while the rollout ran" });
  });

  it("rows of other versions are not the rollout's (the SQL filters them too)", () => {
    const rows = traffic(S0 - 20, S0 + 13, { canary: 10, errors: 0, baseline: 90 }).concat(traffic(S0, S0 + 13, { canary: 10, errors: 10, baseline: 0, canaryVersion: "1.1.0-bad" }).filter((x) => x.variant === "canary"));
    expect(replayRollout(oneRule, rollout(), rows).outcome).toEqual({ kind: "passed" });
    expect(replayRollout(oneRule, rollout({ canaryVersion: "1.1.0-bad" }), rows).outcome.kind).toBe("decision");
  });

  it("a long rollout is replayed up to the span limit, and says so", () => {
    const long: TimelinePoint[] = [point(0, "running", 0, 0, "start"), point(500, "running", 0, 10, "step_succeeded")];
    const rows = traffic(S0 - 20, S0 + 60, { canary: 10, errors: 0, baseline: 90 });
    const r = replayRollout(demo, rollout({ status: "running", endedAt: T0 + 3 * 3600_000, timeline: long }), rows, [], { maxSpanMs: 30_000 });
    expect(r.truncated).toBe(true);
    expect(r.replayedSeconds).toBe(30);
    expect(r.sentence).toMatch(/no decision before the replay's span ends at 30 s/);
    expect(replayRollout(demo, rollout({ status: "running", endedAt: T0 + 3 * 3600_000, timeline: long }), rows, [], { maxEvaluations: 5 })).toMatchObject({ truncated: true, evaluations: 5 });
  });
});

describe("the step timeline from the audit trail", () => {
  it("keeps rollout state events in time order and skips the rest", () => {
    const trail = [
      { at: 3, details: { event: { type: "step_succeeded", at: 3 }, from: "running", to: "running", stepIndex: 0, weight: 5, version: "1.1.0" } },
      { at: 1, details: { event: { type: "start" }, from: "pending", to: "running", stepIndex: 0, weight: 0 } },
      { at: 4, details: { decisionId: 1, kind: "rollback_immediate", sentence: "rolled back" } },
      { at: 5, details: null },
    ];
    expect(timelineOf(trail)).toEqual([
      { at: 1, status: "running", stepIndex: 0, weight: 0, event: "start" },
      { at: 3, status: "running", stepIndex: 0, weight: 5, event: "step_succeeded" },
    ]);
  });
});

describe("the replay form's input", () => {
  it("validates the draft like Save (field errors on config), defaults to 10 rollouts, at most 50", () => {
    expect(replayAnalysisInput.parse({ serviceId: "1", config: "{}" })).toMatchObject({ serviceId: 1, limit: 10 });
    expect(replayAnalysisInput.parse({ serviceId: "1", config: "", limit: "50" }).limit).toBe(50);
    const bad = replayAnalysisInput.safeParse({ serviceId: "1", config: JSON.stringify({ rules: [{ metric: "p95_ms", threshold: 600, forSeconds: 0, action: "hold" }] }), limit: "51" });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => [i.path.join("."), i.message])).toEqual([
      ["config", "Rule 1, for seconds: Duration must be above 0 s."],
      ["limit", "Replay at most 50 rollouts."],
    ]);
  });
});
