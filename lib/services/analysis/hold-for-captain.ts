import "server-only";
import type { Tx } from "@/db/connection";
import type { AnalysisDecisionRow } from "@/db/queries/analysis";
import type { RolloutRow } from "@/db/queries/rollouts";
import type { Decision, Verdict } from "@/lib/domain/analysis/evaluate";
import { applyRolloutEvent } from "@/lib/services/rollouts/apply-rollout-event";
import { ANALYSIS_ACTOR, recordDecision } from "./auto-rollback";

/**
 * Degraded canary or an analysis that cannot conclude (REQUIREMENTS I3, DESIGN rule 9): pauses the
 * rollout with the decision's sentence as the reason, so the captain sees why and resumes,
 * promotes or aborts. A rollout already paused is left as it is (nothing changes, nothing recorded).
 */
export function holdForCaptain(tx: Tx, rollout: RolloutRow, d: Decision, verdict: Verdict, ctx: { environment: string; at: number }): AnalysisDecisionRow | null {
  if (rollout.status !== "running") return null;
  const decision = recordDecision(tx, rollout, d, verdict, "paused for the captain", ctx.environment, ctx.at);
  applyRolloutEvent(tx, rollout, { type: "pause", at: ctx.at, reason: d.sentence }, { actor: ANALYSIS_ACTOR, environment: ctx.environment, details: { decisionId: decision.id, automatic: true } }, ctx.at);
  return decision;
}
