import { ACTION_SEVERITY, type AnalysisConfig, type Comparison, type EffectiveRule, METRIC_LABEL, type Metric, type RuleAction, effectiveRules } from "./config";
import { type Carried, type CountTest, countTest, countsSentence, exposureToSafety, formatEvidence, isCountRule, ruleAlphas } from "./count-rules";
import { type HealthClass, healthOf } from "./health";
import type { LatencyHistogram } from "./histogram";
import { burnRate, judge } from "./stats";

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

/** Cumulative counts of one variant since the current step began: the sequential tests' input. */
export interface VariantCounts {
  requests: number;
  /** 5xx responses. */
  errors: number;
  /** Latency distribution of those requests (null when the provider has none). */
  latency: LatencyHistogram | null;
}

/** Both variants' counts over [since, the snapshot's end]. */
export interface StepCounts {
  /** Epoch ms the counts start from (the step's start as the provider could resolve it). */
  since: number;
  canary: VariantCounts | null;
  baseline: VariantCounts | null;
}

export interface Snapshot {
  windowSeconds: number;
  /** Counts since the step began (sequential judge); absent from providers that cannot count. */
  step?: StepCounts;
  canary: VariantValues | null;
  baseline: VariantValues | null;
  /** Per-interval series for the statistical judge (mean latency, error percent). */
  series?: { canary: { latency: number[]; errors: number[] }; baseline: { latency: number[]; errors: number[] } };
  /** Per-second chart rows of the interval read, from providers whose samples SQLite lacks (Prometheus); the tick stores them. */
  chart?: { serviceId: number; environmentId: number; second: number; variant: "baseline" | "canary"; version: string; requests: number; errors5xx: number; p95Ms: number | null }[];
}

export type FetchResult = { ok: true; snapshot: Snapshot } | { ok: false; error: string };

interface RuleState {
  since: number | null;
  history?: [number, 0 | 1][];
  /** The highest ln evidence of the current breach (what established it, quoted by its decision). */
  peak?: number;
}

/** Persisted between evaluations (streaks make "for 5 min" durations). */
export interface AnalysisState {
  rules: Record<string, RuleState>;
  observedSince: number | null;
  lastAt: number | null;
  consecutiveErrors: number;
  consecutiveInconclusive: number;
  /** Start of the step the counts belong to: a new step starts every rule afresh. */
  stepSince?: number | null;
  /** Which step that is ("stepIndex:weight"), kept by the worker to notice a new step. */
  stepKey?: string;
  /** Fixed-threshold rules' counts from the canary's earlier steps, and this step's so far (carried at the next step). */
  carried?: Record<string, Carried>;
  stepCounts?: Record<string, Carried>;
}

export const initialAnalysisState = (): AnalysisState => ({ rules: {}, observedSince: null, lastAt: null, consecutiveErrors: 0, consecutiveInconclusive: 0, stepSince: null });

/**
 * The state to evaluate a step with: the same step keeps its streaks; a new step ("stepIndex:weight")
 * starts its counts at `at`, so every streak starts afresh (fail-safe counters carry over), and the
 * step that ends adds its counts to what fixed-threshold rules carry.
 */
export function enterStep(prev: AnalysisState, stepKey: string, at: number): AnalysisState {
  if (prev.stepKey === stepKey && prev.stepSince != null) return prev;
  const carried: Record<string, Carried> = { ...prev.carried };
  for (const [id, c] of Object.entries(prev.stepCounts ?? {})) carried[id] = { bad: (carried[id]?.bad ?? 0) + c.bad, n: (carried[id]?.n ?? 0) + c.n };
  return { ...prev, rules: {}, observedSince: null, stepKey, stepSince: at, carried, stepCounts: {} };
}

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
  /** Sequential evidence behind the decision (count rules): the e-value that established the breach (its peak) and at the decision (now), the rule's alpha, the counts. */
  evidence?: { value: number; now?: number; alpha: number; canary: { bad: number; n: number }; baseline: { bad: number; n: number } | null; cutMs: number | null } | null;
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

/** One count rule's sequential test at this evaluation (charts, overview, replay). */
export interface RuleEvidence {
  ruleId: string;
  metric: Metric;
  action: RuleAction;
  /** ln of the breach evidence and the ln(1/alpha) it must reach. */
  lnEvidence: number;
  lnBound: number;
  /** Canary requests still needed to show it safe (0: shown; null: not projected, or never at this rate). */
  needs: number | null;
  /** Canary's bad share of the step (0-1), its anytime-valid upper bound, the share the rule calls a breach, the baseline's share. */
  rate: number;
  upper: number;
  p0: number;
  baselineRate: number | null;
  bad: number;
  n: number;
  safe: boolean;
}

export interface Evaluation {
  at: number;
  verdict: Verdict;
  reasons: string[];
  /** Count rules' tests (empty when the evaluation stopped before them). */
  evidence: RuleEvidence[];
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

/** Whether a variant's window values are all numbers (NaN from a provider is an error, not data). */
const badCore = (v: VariantValues) => CORE.filter((m) => typeof v[m] !== "number" || Number.isNaN(v[m]));

/** Counts a provider must never send: NaN, negative, fractional or more 5xx than requests. */
function invalidCounts(v: VariantCounts | null): string | null {
  if (!v) return null;
  const ok = (x: number) => Number.isFinite(x) && x >= 0;
  if (!ok(v.requests) || !ok(v.errors) || v.errors > v.requests) return `requests ${v.requests}, 5xx ${v.errors}`;
  if (v.latency && v.latency.counts.some((c) => !ok(c))) return "a negative or NaN latency bucket";
  return null;
}

/**
 * One analysis evaluation (pure). Count rules (5xx, burn, latency percentiles) are anytime-valid
 * sequential tests on the counts since the step began (count-rules.ts): a rule's breach is
 * established when its evidence reaches 1/alpha_rule, and it fires once the breach has stayed
 * established for the rule's duration (a flapping canary whose evidence falls back restarts the
 * streak). Gauges (request rate, CPU, memory) compare the window's value with the threshold for
 * the duration. A hold may end (verdict pass) only with evidence of safety for every rollback
 * rule, unless the config waives it. Fail safe: a fetch error, NaN or invalid counts are errors;
 * no canary traffic is inconclusive; neither is ever a pass.
 */
export function evaluate(cfg: AnalysisConfig, prev: AnalysisState, input: FetchResult, at: number): Evaluation {
  const gapLimit = Math.max(5000, 5 * cfg.intervalSeconds * 1000);
  // A long gap (worker down) breaks every streak: durations are about consecutive observation.
  const base: AnalysisState = prev.lastAt !== null && at - prev.lastAt > gapLimit ? { ...prev, rules: {}, observedSince: null } : prev;
  const state: AnalysisState = { ...base, rules: { ...base.rules }, lastAt: at, observedSince: base.observedSince ?? at };
  const out = (e: Omit<Evaluation, "at" | "state" | "breaches" | "decision" | "health" | "score" | "evidence"> & Partial<Evaluation>): Evaluation => ({
    at,
    state,
    breaches: [],
    decision: null,
    health: null,
    score: null,
    evidence: [],
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
      const again = state.consecutiveErrors > cfg.errorLimit ? ` again: ${cfg.errorLimit} more errors since the last pause (${state.consecutiveErrors} in a row)` : `: ${cfg.errorLimit} consecutive analysis errors`;
      decision = pauseDecision("pause_errors", `paused${again}; last: ${reason}`, cfg, at);
    } else if (verdict === "inconclusive" && cfg.inconclusiveLimit > 0 && state.consecutiveInconclusive % cfg.inconclusiveLimit === 0) {
      decision = pauseDecision("pause_inconclusive", `paused: no conclusive analysis in ${cfg.inconclusiveLimit} evaluations; last: ${reason}`, cfg, at);
    }
    return out({ verdict, reasons: [reason], canary, baseline, decision });
  };

  if (!input.ok) return failSafe("error", `metrics provider failed: ${input.error}`);
  const { canary: c, baseline: b, step } = input.snapshot;
  // An empty window has no percentiles: treat it as no window values, not as NaN data.
  const windowOf = (v: VariantValues | null): VariantValues | null => (v && v.requests > 0 ? { ...v, burn_rate: burnRate(v.error_rate, cfg.sloTarget) } : null);
  const canary = windowOf(c);
  const baseline = windowOf(b);
  if (!step) return failSafe("error", "provider returned no counts for the step", canary, baseline);
  for (const [name, v] of [["canary", step.canary], ["baseline", step.baseline]] as const) {
    const bad = invalidCounts(v);
    if (bad) return failSafe("error", `provider returned invalid counts for the ${name} (${bad})`, canary, baseline);
  }
  for (const [name, v] of [["canary", canary], ["baseline", baseline]] as const) {
    const bad = v ? badCore(v) : [];
    if (bad.length) return failSafe("error", `provider returned NaN for ${name} ${bad.map((m) => METRIC_LABEL[m]).join(", ")}`, canary, baseline);
  }
  if (!step.canary || step.canary.requests === 0) return failSafe("inconclusive", "no canary requests in this step yet", canary, baseline);

  // Data arrived and is valid: the error streak is over (errors pause only when consecutive).
  state.consecutiveErrors = 0;
  const rules = effectiveRules(cfg);
  const countRules = rules.filter(isCountRule);
  const alphaOf = ruleAlphas(cfg, countRules);
  const lnBoundOf = (rule: EffectiveRule) => Math.log(1 / alphaOf(rule));
  const stepCounts: Record<string, Carried> = {};
  const reasons: string[] = [];
  const breaches: Breach[] = [];
  const evidence: RuleEvidence[] = [];
  const fired: { rule: EffectiveRule; canary: number; baseline: number | null; threshold: number; satisfiedAt: number; test: CountTest | null; lnPeak: number | null }[] = [];
  const unsafe: { rule: EffectiveRule; test: CountTest; evidence: RuleEvidence }[] = [];
  let unevaluable = false;

  for (const rule of rules) {
    let breach: boolean;
    let cv: number;
    let bv: number | null;
    let thr: number;
    let test: CountTest | null = null;
    if (isCountRule(rule)) {
      const r = countTest(rule, step, cfg, base.carried?.[rule.id]);
      if (!r.ok) {
        unevaluable = true;
        reasons.push(r.reason);
        continue;
      }
      test = r.test;
      const lnBound = lnBoundOf(rule);
      stepCounts[rule.id] = { bad: test.stepBad, n: test.stepN };
      // A breach starts when its evidence reaches 1/alpha and, once started, lasts while the data still
      // favours it (evidence above 1) and the canary still breaches over the last window: clean
      // requests that pull the evidence just under the bar do not restart its duration; a canary that
      // recovers (or flaps) does.
      const ongoing = (state.rules[rule.id]?.since ?? null) !== null && test.lnEvidence > 0 && windowBreaches(rule, test, canary);
      breach = test.lnEvidence >= lnBound || ongoing;
      cv = test.canaryValue;
      bv = test.baselineValue;
      thr = test.threshold;
      // A baseline-relative rule between two nearly equal rates cannot be shown safe in finite time
      // (an identical canary is "<= baseline + 10%" by a hair): it must only not lean towards a breach.
      const safe = rule.comparison !== "relative" ? test.lnSafety >= Math.log(1 / cfg.sequential.safetyAlpha) : !(test.lnEvidence > 0 && test.bad / test.n > test.thresholdRate);
      evidence.push({ ruleId: rule.id, metric: rule.metric, action: rule.action, lnEvidence: test.lnEvidence, lnBound, rate: test.bad / test.n, upper: test.upper, p0: test.thresholdRate, baselineRate: test.baselineBad !== null && test.baselineN ? test.baselineBad / test.baselineN : null, bad: test.bad, n: test.n, safe, needs: safe ? 0 : null });
      if (!safe && rule.action !== "hold") unsafe.push({ rule, test, evidence: evidence.at(-1)! });
    } else {
      const gauge = valueOf(canary, rule.metric);
      if (gauge === null) {
        // CPU / memory a provider does not report: skipped, and said so (never read as healthy data).
        if (rule.metric === "cpu_pct" || rule.metric === "memory_pct") continue;
        unevaluable = true;
        reasons.push(`${rule.id}: no canary ${METRIC_LABEL[rule.metric]} in the window`);
        continue;
      }
      const t = thresholdOf(rule, valueOf(baseline, rule.metric), cfg);
      if (t === null) {
        unevaluable = true;
        reasons.push(`${rule.id}: no baseline ${METRIC_LABEL[rule.metric]} to compare with`);
        continue;
      }
      cv = gauge;
      bv = valueOf(baseline, rule.metric);
      thr = t;
      breach = (rule.op === ">=" ? cv >= thr : cv > thr) && (rule.floor === undefined || cv > rule.floor);
    }
    const rs: RuleState = { ...(state.rules[rule.id] ?? { since: null }) };
    let satisfied = false;
    let satisfiedAt = at;
    if (rule.consecutive) {
      rs.since = breach ? (rs.since ?? at) : null;
      rs.peak = breach && test ? Math.max(rs.peak ?? -Infinity, test.lnEvidence) : undefined;
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
    if (satisfied) fired.push({ rule, canary: cv, baseline: bv, threshold: thr, satisfiedAt: Math.min(at, satisfiedAt), test, lnPeak: rs.peak ?? test?.lnEvidence ?? null });
    else if (breach) reasons.push(`${rule.id}: ${test ? `${countsSentence(rule, test)}, evidence ${formatEvidence(test.lnEvidence)} > ${formatEvidence(lnBoundOf(rule))}` : `canary ${METRIC_LABEL[rule.metric]} ${formatMetric(rule.metric, cv)} ${rule.op} ${formatMetric(rule.metric, thr)}`} for ${formatSpan(at - (rs.since ?? at))} of ${formatSpan(rule.effectiveForMs)}`);
  }

  state.stepCounts = stepCounts;

  const health = canary
    ? healthOf({
        errorRatePct: canary.error_rate,
        canaryP99Ms: canary.p99_ms,
        baselineP99Ms: baseline?.p99_ms ?? null,
        cpuPct: canary.cpu_pct,
        memoryPct: canary.memory_pct,
        latencyFloorMs: cfg.health.latencyFloorMs,
      }).overall
    : null;

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

  // A hold waits while a rollback rule on the same metric family still sees the canary above its
  // threshold (the captain is not needed for a canary that is rolled back). A rollback rule that
  // fires while a more severe one leans the same way (canary above its threshold, evidence above 1)
  // takes that rule's action: a 33% canary establishes "> 2%" (gradual) before "> 5%" (immediate),
  // and runbook 002 rolls "> 5%" back immediately; waiting for that evidence would only keep users on it.
  const family = (m: Metric) => (m === "error_rate" || m === "burn_rate" ? "errors" : m.endsWith("_ms") ? "latency" : m);
  const firedIds = new Set(fired.map((f) => f.rule.id));
  const severer = (f: (typeof fired)[number]) =>
    evidence
      .filter((r) => ACTION_SEVERITY[r.action] > ACTION_SEVERITY[f.rule.action] && family(r.metric) === family(f.rule.metric) && r.rate > r.p0 && !firedIds.has(r.ruleId))
      .sort((x, y) => ACTION_SEVERITY[y.action] - ACTION_SEVERITY[x.action])[0];
  const escalations = new Map<string, RuleEvidence>();
  for (let i = fired.length - 1; i >= 0; i--) {
    const f = fired[i]!;
    const more = f.test ? severer(f) : undefined;
    if (!more) continue;
    if (f.rule.action === "hold") {
      fired.splice(i, 1);
      reasons.push(`${f.rule.id}: waits while ${more.ruleId} (a rollback rule) gathers evidence`);
    } else if (more.lnEvidence > 0) escalations.set(f.rule.id, more);
  }

  let decision: Decision | null = null;
  const windowSeconds = input.snapshot.windowSeconds;
  const actionOf = (f: (typeof fired)[number]) => escalations.get(f.rule.id)?.action ?? f.rule.action;
  const top = fired.sort((x, y) => ACTION_SEVERITY[actionOf(y)] - ACTION_SEVERITY[actionOf(x)])[0];
  if (top && (!judgeFails || ACTION_SEVERITY[actionOf(top)] >= ACTION_SEVERITY[cfg.judge.action])) {
    const t = top.test;
    const up = escalations.get(top.rule.id);
    const escalated = up ? `; immediate as ${up.ruleId} leans the same way (canary ${Number((100 * up.rate).toFixed(1))}% > ${Number((100 * up.p0).toFixed(2))}%, evidence ${formatEvidence(up.lnEvidence)})` : "";
    decision = {
      kind: actionOf(top),
      ruleId: top.rule.id,
      source: top.rule.source ?? null,
      metric: top.rule.metric,
      comparison: top.rule.comparison,
      canary: top.canary,
      baseline: top.baseline,
      threshold: top.threshold,
      windowSeconds: t ? Math.max(0, Math.round((at - (step.since ?? at)) / 1000)) : windowSeconds,
      forMs: top.rule.effectiveForMs,
      satisfiedAt: top.satisfiedAt,
      sentence: (t ? countSentence(top.rule, t, top.lnPeak ?? t.lnEvidence, alphaOf(top.rule), actionOf(top)) : ruleSentence(top.rule, top.canary, top.baseline, top.threshold)) + escalated,
      evidence: t ? { value: Math.exp(top.lnPeak ?? t.lnEvidence), now: Math.exp(t.lnEvidence), alpha: alphaOf(top.rule), canary: { bad: t.bad, n: t.n }, baseline: t.baselineN !== null ? { bad: t.baselineBad ?? 0, n: t.baselineN } : null, cutMs: t.cutMs } : null,
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
      windowSeconds,
      forMs: null,
      satisfiedAt: at,
      sentence: `${VERB[cfg.judge.action]}: canary score ${score} < ${cfg.judge.failBelow} (Mann-Whitney U, alpha ${cfg.judge.alpha}) over ${windowSeconds} s`,
      evidence: null,
    };
  }
  if (decision) {
    // A decision starts every streak afresh: a hold that the captain resumes must breach again.
    state.rules = {};
    return out({ verdict: "fail", reasons: [decision.sentence, ...reasons], canary, baseline, breaches, decision, health, score, evidence });
  }
  if (breaches.length || unevaluable) {
    // An established breach waiting out its duration is a finding, not missing data: only
    // evaluations that could not judge some rule count toward the inconclusive limit.
    state.consecutiveInconclusive = unevaluable ? base.consecutiveInconclusive + 1 : 0;
    const limit = cfg.inconclusiveLimit > 0 && state.consecutiveInconclusive > 0 && state.consecutiveInconclusive % cfg.inconclusiveLimit === 0;
    const d = limit ? pauseDecision("pause_inconclusive", `paused: no conclusive analysis in ${cfg.inconclusiveLimit} evaluations; last: ${reasons[0] ?? "breach not yet sustained"}`, cfg, at) : null;
    return out({ verdict: "inconclusive", reasons, canary, baseline, breaches, health, score, evidence, decision: d });
  }
  state.consecutiveInconclusive = 0;
  // Evidence of safety: absence of a breach is not enough to end a hold (it holds, and says what it still needs).
  if (cfg.sequential.requireSafety && unsafe.length) {
    const shown = unsafe.slice(0, 3).map(({ rule, test, evidence: ev }) => {
      ev.needs = exposureToSafety(test);
      return `${rule.id} (${countsSentence(rule, test)}${ev.needs ? `; needs ~${ev.needs.toLocaleString("en-US")} more canary requests` : ""})`;
    });
    return out({ verdict: "inconclusive", reasons: [`awaiting evidence of safety at ${Math.round(100 * (1 - cfg.sequential.safetyAlpha))}%: ${shown.join("; ")}`], canary, baseline, health, score, evidence });
  }
  // Without it (demo), a hold still does not end while the data leans towards a breach (the canary
  // above a rollback rule's threshold and its evidence above 1): more traffic would go to a canary that is likely bad.
  const leaning = cfg.sequential.requireSafety ? [] : evidence.filter((r) => r.action !== "hold" && r.rate > r.p0 && r.lnEvidence > 0);
  if (leaning.length) {
    const r = leaning.sort((x, y) => y.lnEvidence - x.lnEvidence)[0]!;
    return out({ verdict: "inconclusive", reasons: [`leaning towards a breach: ${r.ruleId} (canary ${Number((100 * r.rate).toFixed(2))}% of ${r.n} requests vs ${Number((100 * r.p0).toFixed(2))}%; evidence ${formatEvidence(r.lnEvidence)} of ${formatEvidence(r.lnBound)} needed)`], canary, baseline, health, score, evidence });
  }
  return out({ verdict: "pass", reasons: [`no breach established in ${rules.length} rules${cfg.sequential.requireSafety ? "; every rollback rule excluded" : ""} (${step.canary.requests} canary requests this step)`], canary, baseline, health, score, evidence });
}

/** Whether the canary still breaches a count rule over the last window (no window: no news, so yes). */
function windowBreaches(rule: EffectiveRule, t: CountTest, canary: VariantValues | null): boolean {
  if (!canary) return true;
  if (rule.metric === "error_rate" || rule.metric === "burn_rate") return canary.error_rate / 100 > t.thresholdRate;
  const v = canary[rule.metric];
  return typeof v !== "number" || t.cutMs === null || v > t.cutMs;
}

/** "rolled back: canary 5xx 31% (11/35) vs baseline 0.4% (3/700) > 5% (002-5xx-5, sustained 1.2 s); evidence 1,240 > 100 (alpha 1%)". */
function countSentence(rule: EffectiveRule, t: CountTest, lnPeak: number, alpha: number, action: RuleAction = rule.action): string {
  // The evidence that established the breach (its peak); the breach then lasted while the data still favoured it.
  const now = lnPeak > t.lnEvidence + 1e-9 ? `, ${formatEvidence(t.lnEvidence)} now` : "";
  const why = `(${rule.id}, sustained ${formatSpan(rule.effectiveForMs)}); evidence ${formatEvidence(lnPeak)} > ${formatEvidence(Math.log(1 / alpha))} (alpha ${Number((alpha * 100).toPrecision(2))}%${now})`;
  if (t.cutMs === null) return `${VERB[action]}: ${countsSentence(rule, t)} ${rule.op} ${describeThreshold(rule, t.threshold)} ${why}`;
  // Latency: the percentile itself, then the counts behind it ("more than 5% slower than 600 ms").
  return `${VERB[action]}: canary ${METRIC_LABEL[rule.metric]} ${formatMetric(rule.metric, t.canaryValue)} ${rule.op} ${describeThreshold(rule, t.threshold)}; ${countsSentence(rule, t)} ${why}`;
}

function pauseDecision(kind: "pause_errors" | "pause_inconclusive", sentence: string, cfg: AnalysisConfig, at: number): Decision {
  return { kind, ruleId: null, source: "fail safe", metric: null, comparison: null, canary: null, baseline: null, threshold: null, windowSeconds: cfg.windowSeconds, forMs: null, satisfiedAt: at, sentence, evidence: null };
}
