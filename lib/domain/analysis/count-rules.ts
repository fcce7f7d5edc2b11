import { type AnalysisConfig, type EffectiveRule, METRIC_LABEL, type Metric } from "./config";
import type { StepCounts, VariantCounts } from "./evaluate";
import { countAbove, quantile } from "./histogram";
import { type Prior, canaryShareUnderNull, lnBreachEvidence, lnSafetyEvidence, trialsToSafety, upperBound } from "./sequential";

/**
 * Runbook rules as tests on counts (REQUIREMENTS I6). A rule on the 5xx rate, the burn rate or a
 * latency percentile becomes "the share of bad canary requests is above p0":
 * - 5xx > T%: bad = 5xx, p0 = T/100; burn > B: bad = 5xx, p0 = B * (1 - SLO target);
 * - pXX > T ms: bad = slower than T, p0 = 1 - XX/100 (p95 > 600 ms <=> more than 5% slower than 600 ms);
 *   SLO-relative: T = SLO * (1 + d); baseline-relative: T = the baseline's step pXX * (1 + d), at least the floor;
 * - 5xx (or burn) > baseline + d%: two samples (canary's share of all 5xx vs its share of traffic),
 *   and, with a floor, the canary's rate must also be established above the floor.
 * Other metrics (request rate, CPU, memory) are gauges judged on the window (evaluate.ts).
 */
export const COUNT_METRICS: readonly Metric[] = ["error_rate", "burn_rate", "p50_ms", "p95_ms", "p99_ms"];
export const isCountRule = (r: Pick<EffectiveRule, "metric">): boolean => COUNT_METRICS.includes(r.metric);

const QUANTILE: Partial<Record<Metric, number>> = { p50_ms: 0.5, p95_ms: 0.95, p99_ms: 0.99 };

/** A rule's counts carried from the canary's earlier steps (fixed-threshold rules: the canary's own rate). */
export interface Carried {
  bad: number;
  n: number;
}

/** One count test of one rule at one evaluation, with what the decision record and the charts show. */
export interface CountTest {
  ruleId: string;
  /** Which counts `bad` / `n` are: this step's, or the canary's since it first had traffic. */
  scope: "step" | "canary";
  /** This step's own counts (carried into the next step). */
  stepBad: number;
  stepN: number;
  /** ln of the breach evidence (min over the rule's parts). */
  lnEvidence: number;
  /** ln of the evidence that the rule is NOT breached (its safety). */
  lnSafety: number;
  /** The canary's bad requests and requests in the step. */
  bad: number;
  n: number;
  /** The baseline's bad requests and requests (null: not compared with the baseline). */
  baselineBad: number | null;
  baselineN: number | null;
  /** The rate the test's null is at (0-1; for baseline-relative 5xx: the canary's null share of all 5xx), and the latency cut in ms for latency rules. */
  p0: number;
  /** The canary's bad share (0-1) the rule calls a breach: p0, or baseline share x (1 + d) (at least the floor) for relative 5xx. */
  thresholdRate: number;
  cutMs: number | null;
  /** The canary's value in the rule's unit (5xx %, burn x, share slower than the cut as %). */
  canaryValue: number;
  baselineValue: number | null;
  /** In the rule's unit, for the decision record: the threshold it compared with. */
  threshold: number;
  /** Anytime-valid upper bound of the canary's bad share (0-1) at the safety level. */
  upper: number;
  /** What evidence of safety projects from (see exposureToSafety): counts, the rate to stay under, its alpha. */
  safetyProjection: { bad: number; n: number; p: number; alpha: number; prior: Prior } | null;
}

export type CountOutcome = { ok: true; test: CountTest } | { ok: false; reason: string };

function badOf(rule: EffectiveRule, v: VariantCounts, cutMs: number | null): number | null {
  if (rule.metric === "error_rate" || rule.metric === "burn_rate") return v.errors;
  if (cutMs === null || !v.latency) return null;
  return Math.round(countAbove(v.latency, cutMs));
}

/**
 * Prior of the mixture for a test against p0: Beta(s * p0, s * (1 - p0)), centred on the threshold,
 * truncated to the alternative. With s = 2 its density falls off like 1/q above p0, about equal
 * mass per order of magnitude, so both small and large regressions are found quickly (measured:
 * 33% vs 5% in 23 requests like a uniform prior, 5% vs 1% in 210 instead of 252).
 */
export const priorOf = (cfg: AnalysisConfig, p0: number): Prior => ({ a: cfg.sequential.priorStrength * p0, b: cfg.sequential.priorStrength * (1 - p0) });

/**
 * What a rule tests, so that rules testing the same thing share one slot of the alpha budget:
 * "burn > 5x" at SLO 99% and "5xx > 5%" are one test; so are "p95 > 600 ms" and "p95 > SLO + 20%"
 * at a 500 ms SLO. Baseline-relative rules are each their own test.
 */
export function testKey(rule: EffectiveRule, cfg: AnalysisConfig): string {
  if (rule.comparison === "relative") return `relative:${rule.id}`;
  if (rule.metric === "error_rate" || rule.metric === "burn_rate") return `5xx:${(rule.metric === "burn_rate" ? rule.threshold * (1 - cfg.sloTarget) : rule.threshold / 100).toPrecision(12)}`;
  const cut = rule.comparison === "slo" ? cfg.latencySloMs * (1 + rule.threshold / 100) : rule.threshold;
  return `${rule.metric}:${cut.toPrecision(12)}`;
}

/**
 * Each count rule's share of alpha (union bound): the false-rollback budget is split evenly across
 * the distinct tests of the rules that roll back; the rules that only hold (degraded bounds) split
 * a budget of their own, since a hold is not a rollback.
 */
export function ruleAlphas(cfg: AnalysisConfig, countRules: readonly EffectiveRule[]): (rule: EffectiveRule) => number {
  const rollback = new Set(countRules.filter((r) => r.action !== "hold").map((r) => testKey(r, cfg)));
  const hold = new Set(countRules.filter((r) => r.action === "hold").map((r) => testKey(r, cfg)).filter((k) => !rollback.has(k)));
  return (rule) => cfg.sequential.alpha / Math.max(1, rollback.has(testKey(rule, cfg)) ? rollback.size : hold.size);
}

/**
 * The count test of one rule over the step's counts. A rule it cannot evaluate yet (no latency
 * histogram, no baseline percentile to compare with) says why; that is never a pass.
 */
export function countTest(rule: EffectiveRule, step: StepCounts, cfg: AnalysisConfig, carried?: Carried): CountOutcome {
  const c = step.canary;
  const b = step.baseline;
  if (!c || c.requests === 0) return { ok: false, reason: `${rule.id}: no canary requests in this step yet` };
  const safetyAlpha = cfg.sequential.safetyAlpha;
  const slo = 1 - cfg.sloTarget;
  const isErrors = rule.metric === "error_rate" || rule.metric === "burn_rate";
  const unit = (share: number) => (rule.metric === "burn_rate" ? share / slo : share * 100);

  if (isErrors && rule.comparison === "relative") {
    if (!b || b.requests === 0) return { ok: false, reason: `${rule.id}: no baseline requests in this step to compare with` };
    const d = rule.threshold / 100;
    const rho0 = canaryShareUnderNull(c.requests, b.requests, d);
    const all = c.errors + b.errors;
    const prior = priorOf(cfg, rho0);
    let lnEvidence = all > 0 ? lnBreachEvidence(c.errors, all, rho0, prior) : 0;
    let lnSafety = all > 0 ? lnSafetyEvidence(c.errors, all, rho0, prior) : 0;
    // With a floor the canary must also be established above it; safety holds when either part shows it
    // (each at half the safety budget, so "either" keeps the level).
    let safetyProjection: CountTest["safetyProjection"] = null;
    let floorRate = 0;
    if (rule.floor !== undefined) {
      const pFloor = rule.metric === "burn_rate" ? rule.floor * slo : rule.floor / 100;
      floorRate = pFloor;
      if (pFloor > 0 && pFloor < 1) {
        const floorPrior = priorOf(cfg, pFloor);
        lnEvidence = Math.min(lnEvidence, lnBreachEvidence(c.errors, c.requests, pFloor, floorPrior));
        const floorSafety = lnSafetyEvidence(c.errors, c.requests, pFloor, floorPrior);
        lnSafety = Math.max(lnSafety, floorSafety) - Math.LN2;
        safetyProjection = { bad: c.errors, n: c.requests, p: pFloor, alpha: safetyAlpha / 2, prior: floorPrior };
      }
    }
    const baseShare = b.errors / b.requests;
    return {
      ok: true,
      test: {
        ruleId: rule.id,
        scope: "step",
        stepBad: c.errors,
        stepN: c.requests,
        lnEvidence,
        lnSafety,
        bad: c.errors,
        n: c.requests,
        baselineBad: b.errors,
        baselineN: b.requests,
        p0: rho0,
        thresholdRate: Math.max(baseShare * (1 + d), floorRate),
        cutMs: null,
        canaryValue: unit(c.errors / c.requests),
        baselineValue: unit(baseShare),
        // What it calls a breach, in the rule's unit: baseline + d, but never below the floor.
        threshold: unit(Math.max(baseShare * (1 + d), floorRate)),
        upper: upperBound(c.errors, c.requests, safetyAlpha),
        safetyProjection,
      },
    };
  }

  let p0: number;
  let cutMs: number | null = null;
  let threshold = rule.threshold;
  if (isErrors) {
    if (rule.comparison !== "absolute") return { ok: false, reason: `${rule.id}: ${METRIC_LABEL[rule.metric]} compares only absolutely or with the baseline` };
    p0 = rule.metric === "burn_rate" ? rule.threshold * slo : rule.threshold / 100;
  } else {
    const q = QUANTILE[rule.metric]!;
    p0 = 1 - q;
    if (!c.latency) return { ok: false, reason: `${rule.id}: the provider gave no latency histogram for the canary` };
    if (rule.comparison === "absolute") cutMs = rule.threshold;
    else if (rule.comparison === "slo") cutMs = cfg.latencySloMs * (1 + rule.threshold / 100);
    else {
      // A baseline percentile needs at least 1/(1-q) baseline requests (100 for p99) to exist at all.
      if (!b?.latency || b.requests < Math.ceil(1 / (1 - q))) return { ok: false, reason: `${rule.id}: too few baseline requests in this step for its ${METRIC_LABEL[rule.metric]} (${b?.requests ?? 0} < ${Math.ceil(1 / (1 - q))})` };
      const ref = quantile(b.latency, q);
      if (!Number.isFinite(ref)) return { ok: false, reason: `${rule.id}: no baseline ${METRIC_LABEL[rule.metric]}` };
      cutMs = Math.max(ref * (1 + rule.threshold / 100), rule.floor ?? 0);
    }
    threshold = cutMs;
  }
  if (!(p0 > 0 && p0 < 1)) return { ok: false, reason: `${rule.id}: threshold ${rule.threshold} is outside what a rate test can judge` };
  const bad = badOf(rule, c, cutMs);
  if (bad === null) return { ok: false, reason: `${rule.id}: no canary latency histogram` };
  const bBad = b ? badOf(rule, b, cutMs) : null;
  const prior = priorOf(cfg, p0);
  // A fixed threshold judges the canary's own rate, which its weight does not change: from its second
  // step on it is tested on this step's counts and on the counts since the canary first had traffic,
  // each at half the rule's alpha (so a bad canary's evidence carries across steps, and a regression
  // that appears only at a higher weight is not diluted by its clean past). Baseline-relative cuts stay per step.
  // In the canary's first step the two are one test (nothing is carried yet): it runs at the rule's whole alpha.
  const carries = rule.comparison !== "relative" && (carried?.n ?? 0) > 0;
  const stepEvidence = lnBreachEvidence(bad, c.requests, p0, prior);
  const total = carries ? { bad: bad + carried!.bad, n: c.requests + carried!.n } : { bad, n: c.requests };
  const sinceEvidence = carries ? lnBreachEvidence(total.bad, total.n, p0, prior) : stepEvidence;
  const scope = carries && sinceEvidence > stepEvidence ? "canary" : "step";
  const shown = scope === "canary" ? total : { bad, n: c.requests };
  // Safety on everything the canary has served.
  const lnSafety = lnSafetyEvidence(total.bad, total.n, p0, prior);
  const latency = !isErrors;
  return {
    ok: true,
    test: {
      ruleId: rule.id,
      scope,
      stepBad: bad,
      stepN: c.requests,
      lnEvidence: carries ? Math.max(stepEvidence, sinceEvidence) - Math.LN2 : stepEvidence,
      lnSafety,
      bad: shown.bad,
      n: shown.n,
      baselineBad: bBad,
      baselineN: b ? b.requests : null,
      p0,
      thresholdRate: p0,
      cutMs,
      // Latency rules report the canary's percentile itself (from the histogram), errors their rate.
      canaryValue: latency ? quantile(c.latency!, QUANTILE[rule.metric]!) : unit(shown.bad / shown.n),
      baselineValue: latency ? (b?.latency ? quantile(b.latency, QUANTILE[rule.metric]!) : null) : b && b.requests ? unit(b.errors / b.requests) : null,
      threshold,
      upper: upperBound(total.bad, total.n, safetyAlpha, prior),
      safetyProjection: { bad: total.bad, n: total.n, p: p0, alpha: safetyAlpha, prior },
    },
  };
}

/**
 * Canary requests still needed, at the rate seen, to show the rule safe ("needs ~40 more canary
 * requests"); null when more of the same would never show it. Computed only where it is shown: it
 * is the costliest part of a test.
 */
export function exposureToSafety(t: CountTest): number | null {
  const s = t.safetyProjection;
  return s ? trialsToSafety(s.bad, s.n, s.p, s.alpha, s.prior) : null;
}

/** "1,240" / "3.2e+6": evidence values for people. */
export function formatEvidence(lnE: number): string {
  const e = Math.exp(lnE);
  if (!Number.isFinite(e)) return "> 1e300";
  if (e >= 1e6) return e.toExponential(1);
  return e >= 10 ? Math.round(e).toLocaleString("en-US") : Number(e.toFixed(2)).toString();
}

const pct = (x: number) => `${Number((100 * x).toFixed(x < 0.1 ? 2 : 1))}%`;

/** The counts behind a test, in words: "5xx 31% (11/35) vs baseline 0.4% (3/700)". */
export function countsSentence(rule: EffectiveRule, t: CountTest): string {
  const what = rule.metric === "error_rate" || rule.metric === "burn_rate" ? "5xx" : `slower than ${Math.round(t.cutMs ?? 0)} ms`;
  const base = t.baselineBad !== null && t.baselineN ? ` vs baseline ${pct(t.baselineBad / t.baselineN)} (${t.baselineBad}/${t.baselineN})` : "";
  return `canary ${what} ${pct(t.bad / t.n)} (${t.bad}/${t.n}${t.scope === "canary" ? " since the canary started" : ""})${base}`;
}
