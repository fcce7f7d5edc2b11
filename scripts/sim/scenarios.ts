// Scenarios, judge profiles and targets of the simulation harness (issue 9 part 6).
import { type AnalysisConfig, DEMO_ANALYSIS_INPUT, analysisConfigSchema } from "@/lib/domain/analysis/config";
import { DEFAULT_CANARY_STEPS } from "@/lib/domain/rollout/strategy";
import { type AnalysisConfig as LegacyConfig, DEMO_ANALYSIS_INPUT as LEGACY_DEMO_INPUT, analysisConfigSchema as legacySchema } from "./legacy/config";
import type { VariantModel } from "./world";

export const PROFILES = ["demo", "production"] as const;
export type ProfileName = (typeof PROFILES)[number];

export interface Profile {
  name: ProfileName;
  /** The sequential judge's config, as the app parses it. */
  current: AnalysisConfig;
  /** The pre-issue-9 judge's config (old demo input / old defaults). */
  legacy: LegacyConfig;
  /** Canary steps walked by a run; reaching weight 100 is a promotion. */
  steps: { weight: number; holdSeconds: number }[];
  /** A run still undecided at this virtual time is "never judged". */
  maxSeconds: number;
  /** What reaching the last step means in this profile's table. */
  promotedLabel: string;
}

/** The app's form default: 5/10/25/50/100 with 20 s holds. */
const DEMO_STEPS = [5, 10, 25, 50, 100].map((weight) => ({ weight, holdSeconds: weight === 100 ? 0 : 20 }));
// Production's full rollout is 2 h of holds; a run covers its first step (5%, 30 min hold), where a
// bad canary must be caught, and counts passing that step as the promotion.
const PRODUCTION_STEPS = [DEFAULT_CANARY_STEPS[0]!, { weight: 100, holdSeconds: 0 }];

export function profile(name: ProfileName): Profile {
  if (name === "demo") {
    return { name, current: analysisConfigSchema.parse(DEMO_ANALYSIS_INPUT), legacy: legacySchema.parse(LEGACY_DEMO_INPUT), steps: DEMO_STEPS, maxSeconds: 30 * 60, promotedLabel: "promoted" };
  }
  return { name, current: analysisConfigSchema.parse({}), legacy: legacySchema.parse({}), steps: PRODUCTION_STEPS, maxSeconds: 35 * 60, promotedLabel: "passed 5%" };
}

export const SCENARIO_KINDS = ["aa", "degraded", "zero", "outage"] as const;
export type ScenarioKind = (typeof SCENARIO_KINDS)[number];

export interface Scenario {
  id: string;
  title: string;
  kind: ScenarioKind;
  baseline: VariantModel;
  canary: VariantModel;
  /** Canary requests/s at the 5% step (total = rate / 0.05); the canary's share follows the step's weight. */
  rates: number[];
  /** Share of evaluations whose fetch fails (scrape gaps). */
  gapShare?: number;
  /** The canary gets its weight but serves no request. */
  zeroCanary?: boolean;
  /** Every fetch fails. */
  outage?: boolean;
}

const MEDIAN_MS = 20;
const SIGMA = 0.5;
const flat = (pct: number) => () => pct / 100;
const variant = (errorPct: number | ((s: number) => number), tail?: VariantModel["tail"]): VariantModel => ({
  errorRate: typeof errorPct === "number" ? flat(errorPct) : errorPct,
  medianMs: MEDIAN_MS,
  sigma: SIGMA,
  ...(tail ? { tail } : {}),
});
const RATES = [0.05, 1, 20];
const BASE = 0.5;

export const SCENARIOS: Scenario[] = [
  ...[0.1, 0.5, 0.9].map((pct): Scenario => ({ id: `aa-${pct}`, title: `A/A, 5xx ${pct}% both`, kind: "aa", baseline: variant(pct), canary: variant(pct), rates: RATES })),
  { id: "aa-gaps", title: "A/A 0.5%, 2% fetch errors", kind: "aa", baseline: variant(BASE), canary: variant(BASE), rates: [1, 20], gapShare: 0.02 },
  ...[33, 20, 5].map((pct): Scenario => ({ id: `err-${pct}`, title: `5xx ${pct}% vs ${BASE}%`, kind: "degraded", baseline: variant(BASE), canary: variant(pct), rates: RATES })),
  { id: "p95-800", title: "p95 +800 ms (90% of requests)", kind: "degraded", baseline: variant(BASE), canary: variant(BASE, { share: 0.9, addMs: 800 }), rates: RATES },
  // A 1.5% tail is invisible at 0.05 requests/s (one slow request in ~20 min): not run there.
  { id: "p99-only", title: "p99 only: 1.5% of requests +1.5 s", kind: "degraded", baseline: variant(BASE), canary: variant(BASE, { share: 0.015, addMs: 1500 }), rates: [1, 20] },
  { id: "flapping", title: "flapping: 6% 5xx 50 s / 0% 20 s", kind: "degraded", baseline: variant(BASE), canary: variant((s) => (s % 70 < 50 ? 0.06 : 0)), rates: [1, 20] },
  { id: "zero", title: "zero canary exposure", kind: "zero", baseline: variant(BASE), canary: variant(BASE), rates: [1], zeroCanary: true },
  { id: "outage", title: "provider outage (every fetch fails)", kind: "outage", baseline: variant(BASE), canary: variant(BASE), rates: [1], outage: true },
];

export const FIGURES = ["false_rollback_ub_pct", "ttd_median_s", "ttd_p95_s", "promotions"] as const;
export type Figure = (typeof FIGURES)[number];

/** A target on the sequential judge's figure (printed beside both judges' figures). */
export interface Target {
  profiles: readonly ProfileName[];
  scenario: string;
  /** Canary requests/s at 5%; null: every rate of the scenario. */
  rate: number | null;
  figure: Figure;
  max: number;
  text: string;
}

// The detection targets are the demo's: production's runbook durations (5xx > 5% sustained 1 min)
// make "median <= 15 s" impossible by design there; its figures are printed for information.
export const TARGETS: Target[] = [
  ...["aa-0.1", "aa-0.5", "aa-0.9", "aa-gaps"].map((scenario): Target => ({ profiles: PROFILES, scenario, rate: null, figure: "false_rollback_ub_pct", max: 1, text: "false rollback, 95% upper bound < 1%" })),
  { profiles: ["demo"], scenario: "err-33", rate: 1, figure: "ttd_median_s", max: 15, text: "median <= 15 s" },
  { profiles: ["demo"], scenario: "err-33", rate: 1, figure: "ttd_p95_s", max: 40, text: "p95 <= 40 s" },
  { profiles: ["demo"], scenario: "err-20", rate: 1, figure: "ttd_median_s", max: 20, text: "median <= 20 s" },
  { profiles: ["demo"], scenario: "err-5", rate: 1, figure: "ttd_median_s", max: 120, text: "median <= 2 min" },
  { profiles: ["demo"], scenario: "err-33", rate: 0.05, figure: "ttd_p95_s", max: 600, text: "p95 <= 10 min" },
  { profiles: PROFILES, scenario: "zero", rate: null, figure: "promotions", max: 0, text: "0 promotions" },
  { profiles: PROFILES, scenario: "outage", rate: null, figure: "promotions", max: 0, text: "0 promotions" },
];

export const targetsOf = (p: ProfileName, scenario: string, rate: number): Target[] => TARGETS.filter((t) => t.profiles.includes(p) && t.scenario === scenario && (t.rate === null || t.rate === rate));
