// FROZEN COPY, bench-only: lib/domain/analysis/evaluate.ts as of commit 509c9dd, the pre-issue-9 judge
// (window values and a minimum request count), kept unchanged so that scripts/sim can compare it with
// the sequential judge on the same simulated traffic. Never import it from lib/ or app/.
import { ACTION_SEVERITY, type AnalysisConfig, type Comparison, type EffectiveRule, METRIC_LABEL, type Metric, type RuleAction, effectiveRules } from "./config";
import { type HealthClass, healthOf } from "@/lib/domain/analysis/health";
import { burnRate, judge } from "@/lib/domain/analysis/stats";

/** DESIGN rule 9: four verdicts; only `pass` lets a hold advance. */
export const VERDICTS = ["pass", "fail", "inconclusive", "error"] as const;
export type Verdict = (typeof VERDICTS)[number];

/** What a provider measured for one variant over the evaluation window. */
export interface VariantValues {
  /** Requests seen in the window (the minimum-sample guard reads it). */
  requests: number;
  request_rate: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  /** 5xx share of requests, percent. */
  error_rate: number;
  /** Filled in by the evaluation from error_rate and the SLO target. */
  burn_rate?: number;
  cpu_pct: number | null;
  memory_pct: number | null;
}

export interface Snapshot {
  windowSeconds: number;
  canary: VariantValues | null;
  baseline: VariantValues | null;
  /** Per-interval series for the statistical judge (mean latency, error percent). */
  series?: { canary: { latency: number[]; errors: number[] }; baseline: { latency: number[]; errors: number[] } };
}

export type FetchResult = { ok: true; snapshot: Snapshot } | { ok: false; error: string };

interface RuleState {
  since: number | null;
  history?: [number, 0 | 1][];
}

/** Persisted between evaluations (streaks make "for 5 min" durations). */
export interface AnalysisState {
  rules: Record<string, RuleState>;
  observedSince: number | null;
  lastAt: number | null;
  consecutiveErrors: number;
  consecutiveInconclusive: number;
}

export const initialAnalysisState = (): AnalysisState => ({ rules: {}, observedSince: null, lastAt: null, consecutiveErrors: 0, consecutiveInconclusive: 0 });

export const DECISION_KINDS = ["rollback_immediate", "rollback_gradual", "hold", "pause_errors", "pause_inconclusive"] as const;
export type DecisionKind = (typeof DECISION_KINDS)[number];

/** A verdict that changes something, with the numbers that caused it (REQUIREMENTS I5). */
export interface Decision {
  kind: DecisionKind;
  ruleId: string | null;
  source: string | null;
  metric: Metric | "score" | null;
  comparison: Comparison | null;
  canary: number | null;
  baseline: number | null;
  threshold: number | null;
  windowSeconds: number;
  forMs: number | null;
  /** When the rule's duration was satisfied (its breach began + its duration). */
  satisfiedAt: number;
  sentence: string;
}

export interface Breach {
  ruleId: string;
  metric: Metric;
  since: number;
  forMs: number;
  canary: number;
  threshold: number;
  action: RuleAction;
}

export interface Evaluation {
  at: number;
  verdict: Verdict;
  reasons: string[];
  health: HealthClass | null;
  score: number | null;
  canary: VariantValues | null;
  baseline: VariantValues | null;
  breaches: Breach[];
  decision: Decision | null;
  state: AnalysisState;
}

/** "6.2%", "812 ms", "2.4x", "19.8/s". */
export function formatMetric(metric: Metric, v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "n/a";
  switch (metric) {
    case "error_rate":
    case "cpu_pct":
    case "memory_pct":
      return `${Number(v.toFixed(v < 10 ? 2 : 1))}%`;
    case "burn_rate":
      return `${Number(v.toFixed(2))}x`;
    case "request_rate":
      return `${Number(v.toFixed(1))}/s`;
    default:
      return `${Math.round(v)} ms`;
  }
}

function formatSpan(ms: number): string {
  const s = ms / 1000;
  if (s < 120) return `${Number(s.toFixed(s < 10 ? 1 : 0))} s`;
  return `${Number((s / 60).toFixed(1))} min`;
}

/** The threshold a rule compares the canary with, or null when its reference (baseline) is missing. */
export function thresholdOf(rule: Pick<EffectiveRule, "comparison" | "threshold">, baseline: number | null | undefined, cfg: Pick<AnalysisConfig, "latencySloMs">): number | null {
  if (rule.comparison === "absolute") return rule.threshold;
  if (rule.comparison === "slo") return cfg.latencySloMs * (1 + rule.threshold / 100);
  if (baseline === null || baseline === undefined || !Number.isFinite(baseline)) return null;
  return baseline * (1 + rule.threshold / 100);
}

const VERB: Record<RuleAction, string> = { rollback_immediate: "rolled back", rollback_gradual: "rolled back gradually", hold: "held for the captain" };

function describeThreshold(rule: EffectiveRule, thr: number): string {
  if (rule.comparison === "relative") return `${formatMetric(rule.metric, thr)} (baseline + ${rule.threshold}%)`;
  if (rule.comparison === "slo") return `${formatMetric(rule.metric, thr)} (SLO + ${rule.threshold}%)`;
  return formatMetric(rule.metric, thr);
}

export function ruleSentence(rule: EffectiveRule, canary: number, baseline: number | null, thr: number): string {
  return `${VERB[rule.action]}: canary ${METRIC_LABEL[rule.metric]} ${formatMetric(rule.metric, canary)} ${rule.op} ${describeThreshold(rule, thr)} for ${formatSpan(rule.effectiveForMs)}; baseline ${formatMetric(rule.metric, baseline)}`;
}

const valueOf = (v: VariantValues | null, m: Metric): number | null => (v ? (v[m] ?? null) : null);
const CORE: Metric[] = ["request_rate", "p50_ms", "p95_ms", "p99_ms", "error_rate"];

/**
 * One analysis evaluation (pure): updates the rule streaks with the window's values and returns
 * the verdict, the reasons, runbook 003's health class, the judge's score and, when something
 * must change, the decision. Fail safe: a fetch error, NaN, no data or too few requests is never
 * a pass; errors and inconclusive streaks pause the rollout at their limits.
 */
export function evaluate(cfg: AnalysisConfig, prev: AnalysisState, input: FetchResult, at: number): Evaluation {
  const gapLimit = Math.max(5000, 5 * cfg.intervalSeconds * 1000);
  // A long gap (worker down) breaks every streak: durations are about consecutive observation.
  const base: AnalysisState = prev.lastAt !== null && at - prev.lastAt > gapLimit ? { ...prev, rules: {}, observedSince: null } : prev;
  const state: AnalysisState = { ...base, rules: { ...base.rules }, lastAt: at, observedSince: base.observedSince ?? at };
  const out = (e: Omit<Evaluation, "at" | "state" | "breaches" | "decision" | "health" | "score"> & Partial<Evaluation>): Evaluation => ({
    at,
    state,
    breaches: [],
    decision: null,
    health: null,
    score: null,
    ...e,
  });

  const failSafe = (verdict: "error" | "inconclusive", reason: string, canary: VariantValues | null = null, baseline: VariantValues | null = null): Evaluation => {
    if (verdict === "error") {
      state.consecutiveErrors = base.consecutiveErrors + 1;
      state.consecutiveInconclusive = 0;
    } else {
      state.consecutiveInconclusive = base.consecutiveInconclusive + 1;
      state.consecutiveErrors = 0;
    }
    let decision: Decision | null = null;
    // At the limit, and again every `limit` more: a captain who resumes while the provider is still down is told again.
    if (verdict === "error" && state.consecutiveErrors % cfg.errorLimit === 0) {
      decision = pauseDecision("pause_errors", `paused: ${cfg.errorLimit} consecutive analysis errors; last: ${reason}`, cfg, at);
    } else if (verdict === "inconclusive" && cfg.inconclusiveLimit > 0 && state.consecutiveInconclusive % cfg.inconclusiveLimit === 0) {
      decision = pauseDecision("pause_inconclusive", `paused: no conclusive analysis in ${cfg.inconclusiveLimit} evaluations; last: ${reason}`, cfg, at);
    }
    return out({ verdict, reasons: [reason], canary, baseline, decision });
  };

  if (!input.ok) return failSafe("error", `metrics provider failed: ${input.error}`);
  const { canary: c, baseline: b } = input.snapshot;
  if (!c) return failSafe("inconclusive", "no data for the canary yet", null, b);
  if (!b) return failSafe("inconclusive", "no data for the baseline", c, null);
  const canary: VariantValues = { ...c, burn_rate: burnRate(c.error_rate, cfg.sloTarget) };
  const baseline: VariantValues = { ...b, burn_rate: burnRate(b.error_rate, cfg.sloTarget) };
  if (!Number.isFinite(c.requests) || !Number.isFinite(b.requests)) return failSafe("error", "provider returned no valid request count", canary, baseline);
  // Minimum-sample guard first: a histogram quantile over zero requests is NaN, which is "too few", not broken.
  if (canary.requests < cfg.minRequests) return failSafe("inconclusive", `too few canary requests (${canary.requests} < ${cfg.minRequests} in ${input.snapshot.windowSeconds} s)`, canary, baseline);
  if (baseline.requests < cfg.minRequests) return failSafe("inconclusive", `too few baseline requests (${baseline.requests} < ${cfg.minRequests} in ${input.snapshot.windowSeconds} s)`, canary, baseline);
  for (const [name, v] of [["canary", c], ["baseline", b]] as const) {
    const bad = CORE.filter((m) => typeof v[m] !== "number" || Number.isNaN(v[m]));
    if (bad.length) return failSafe("error", `provider returned NaN for ${name} ${bad.map((m) => METRIC_LABEL[m]).join(", ")}`, canary, baseline);
  }

  state.consecutiveErrors = 0;
  state.consecutiveInconclusive = 0;
  const reasons: string[] = [];
  const breaches: Breach[] = [];
  const fired: { rule: EffectiveRule; canary: number; baseline: number | null; threshold: number; satisfiedAt: number }[] = [];
  let unevaluable = false;

  for (const rule of effectiveRules(cfg)) {
    const cv = valueOf(canary, rule.metric);
    const bv = valueOf(baseline, rule.metric);
    if (cv === null) {
      // CPU / memory a provider does not report: skipped, and said so (never read as healthy data).
      if (rule.metric === "cpu_pct" || rule.metric === "memory_pct") continue;
      unevaluable = true;
      reasons.push(`${rule.id}: no canary ${METRIC_LABEL[rule.metric]}`);
      continue;
    }
    const thr = thresholdOf(rule, bv, cfg);
    if (thr === null) {
      unevaluable = true;
      reasons.push(`${rule.id}: no baseline ${METRIC_LABEL[rule.metric]} to compare with`);
      continue;
    }
    const breach = (rule.op === ">=" ? cv >= thr : cv > thr) && (rule.floor === undefined || cv > rule.floor);
    const rs: RuleState = { ...(state.rules[rule.id] ?? { since: null }) };
    let satisfied = false;
    let satisfiedAt = at;
    if (rule.consecutive) {
      rs.since = breach ? (rs.since ?? at) : null;
      satisfied = rs.since !== null && at - rs.since >= rule.effectiveForMs;
      if (rs.since !== null) satisfiedAt = rs.since + rule.effectiveForMs;
    } else {
      const history = [...(rs.history ?? []), [at, breach ? 1 : 0] as [number, 0 | 1]].filter(([t]) => t > at - rule.effectiveForMs);
      rs.history = history;
      const hits = history.filter(([, h]) => h).length;
      rs.since = history.find(([, h]) => h)?.[0] ?? null;
      satisfied = breach && at - state.observedSince! >= rule.effectiveForMs && hits / history.length >= rule.minShare;
    }
    state.rules[rule.id] = rs;
    if (breach && rs.since !== null) breaches.push({ ruleId: rule.id, metric: rule.metric, since: rs.since, forMs: rule.effectiveForMs, canary: cv, threshold: thr, action: rule.action });
    if (satisfied) fired.push({ rule, canary: cv, baseline: bv, threshold: thr, satisfiedAt: Math.min(at, satisfiedAt) });
    else if (breach) reasons.push(`${rule.id}: canary ${METRIC_LABEL[rule.metric]} ${formatMetric(rule.metric, cv)} ${rule.op} ${formatMetric(rule.metric, thr)} for ${formatSpan(at - (rs.since ?? at))} of ${formatSpan(rule.effectiveForMs)}`);
  }

  const health = healthOf({
    errorRatePct: canary.error_rate,
    canaryP99Ms: canary.p99_ms,
    baselineP99Ms: baseline.p99_ms,
    cpuPct: canary.cpu_pct,
    memoryPct: canary.memory_pct,
    latencyFloorMs: cfg.health.latencyFloorMs,
  }).overall;

  let score: number | null = null;
  let judgeFails = false;
  if (cfg.judge.enabled && input.snapshot.series) {
    const s = input.snapshot.series;
    const j = judge(
      [
        { name: "latency", canary: s.canary.latency, baseline: s.baseline.latency },
        { name: "errors", canary: s.canary.errors, baseline: s.baseline.errors, slack: 1 },
      ],
      cfg.judge,
    );
    score = j.score;
    if (cfg.judge.mode === "act") {
      if (score === null) {
        unevaluable = true;
        reasons.push(`judge: fewer than ${cfg.judge.minPoints} points per variant`);
      } else if (score < cfg.judge.failBelow) judgeFails = true;
    }
  }

  let decision: Decision | null = null;
  const top = fired.sort((x, y) => ACTION_SEVERITY[y.rule.action] - ACTION_SEVERITY[x.rule.action])[0];
  if (top && (!judgeFails || ACTION_SEVERITY[top.rule.action] >= ACTION_SEVERITY[cfg.judge.action])) {
    decision = {
      kind: top.rule.action,
      ruleId: top.rule.id,
      source: top.rule.source ?? null,
      metric: top.rule.metric,
      comparison: top.rule.comparison,
      canary: top.canary,
      baseline: top.baseline,
      threshold: top.threshold,
      windowSeconds: input.snapshot.windowSeconds,
      forMs: top.rule.effectiveForMs,
      satisfiedAt: top.satisfiedAt,
      sentence: ruleSentence(top.rule, top.canary, top.baseline, top.threshold),
    };
  } else if (judgeFails) {
    decision = {
      kind: cfg.judge.action,
      ruleId: "judge",
      source: "Mann-Whitney U",
      metric: "score",
      comparison: "absolute",
      canary: score,
      baseline: null,
      threshold: cfg.judge.failBelow,
      windowSeconds: input.snapshot.windowSeconds,
      forMs: null,
      satisfiedAt: at,
      sentence: `${VERB[cfg.judge.action]}: canary score ${score} < ${cfg.judge.failBelow} (Mann-Whitney U, alpha ${cfg.judge.alpha}) over ${input.snapshot.windowSeconds} s`,
    };
  }
  if (decision) {
    // A decision starts every streak afresh: a hold that the captain resumes must breach again.
    state.rules = {};
    return out({ verdict: "fail", reasons: [decision.sentence, ...reasons], canary, baseline, breaches, decision, health, score });
  }
  if (breaches.length || unevaluable) return out({ verdict: "inconclusive", reasons, canary, baseline, breaches, health, score });
  return out({ verdict: "pass", reasons: [`all ${effectiveRules(cfg).length} rules within thresholds`], canary, baseline, breaches, health, score });
}

function pauseDecision(kind: "pause_errors" | "pause_inconclusive", sentence: string, cfg: AnalysisConfig, at: number): Decision {
  return { kind, ruleId: null, source: "fail safe", metric: null, comparison: null, canary: null, baseline: null, threshold: null, windowSeconds: cfg.windowSeconds, forMs: null, satisfiedAt: at, sentence };
}
