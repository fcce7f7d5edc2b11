// Bench-only: the pre-issue-9 judge's config (commit 509c9dd) for the frozen legacy judge. The
// rules, health classes and their schema are unchanged since then and come from lib/; what that
// judge had and today's config has not is its minimum-request guard. Never import it from lib/ or app/.
import { type AnalysisConfig as CurrentConfig, analysisConfigSchema as currentSchema } from "@/lib/domain/analysis/config";

export { ACTION_SEVERITY, type Comparison, type EffectiveRule, METRIC_LABEL, type Metric, type RuleAction, effectiveRules } from "@/lib/domain/analysis/config";

/** The old config: today's plus `minRequests` (fewer requests per variant in the window: inconclusive). */
export type AnalysisConfig = CurrentConfig & { minRequests: number };

export const analysisConfigSchema = {
  parse(input: Record<string, unknown>): AnalysisConfig {
    const { minRequests, ...rest } = input;
    return { ...currentSchema.parse(rest), minRequests: typeof minRequests === "number" ? minRequests : 50 };
  },
};

/** The old demo config (1/50 durations, a 10 s window, at least 10 requests per variant). */
export const DEMO_ANALYSIS_INPUT = { timeScale: 0.02, windowSeconds: 10, minRequests: 10, gradualDrainSeconds: 300, health: { forSeconds: 120, latencyFloorMs: 1000 }, judge: { minPoints: 5 } };
