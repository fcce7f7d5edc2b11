import "server-only";
import type { Tx } from "@/db/connection";
import { type AnalysisDecisionRow, insertDecision } from "@/db/queries/analysis";
import type { RolloutRow } from "@/db/queries/rollouts";
import { recordAudit } from "@/lib/audit/record";
import type { SystemActor } from "@/lib/domain/actor";
import type { AnalysisConfig } from "@/lib/domain/analysis/config";
import type { Decision, Verdict } from "@/lib/domain/analysis/evaluate";
import { findEnvironmentByName } from "@/db/queries/catalog";
import { auditDecision, policyDecision } from "@/lib/services/policy/check-policy";
import { applyRolloutEvent } from "@/lib/services/rollouts/apply-rollout-event";

export const ANALYSIS_ACTOR: SystemActor = { kind: "system", label: "analysis" };

/** Stores a decision row and its audit event (REQUIREMENTS I5); shared by every analysis verb. */
export function recordDecision(tx: Tx, rollout: RolloutRow, d: Decision, verdict: Verdict, outcome: string, environment: string, at: number): AnalysisDecisionRow {
  const row = insertDecision(tx, {
    rolloutId: rollout.id,
    at,
    kind: d.kind,
    verdict,
    ruleId: d.ruleId,
    source: d.source,
    metric: d.metric,
    comparison: d.comparison,
    canaryValue: d.canary,
    baselineValue: d.baseline,
    threshold: d.threshold,
    windowSeconds: d.windowSeconds,
    forMs: d.forMs,
    satisfiedAt: d.satisfiedAt,
    sentence: d.sentence,
    outcome,
    evidence: d.evidence ? JSON.stringify(d.evidence) : null,
  });
  recordAudit(tx, {
    actor: ANALYSIS_ACTOR,
    action: "analysis.decision",
    subjectType: "rollout",
    subjectId: rollout.id,
    environment,
    details: {
      decisionId: row.id,
      kind: d.kind,
      rule: d.ruleId,
      source: d.source,
      metric: d.metric,
      canary: d.canary,
      baseline: d.baseline,
      threshold: d.threshold,
      windowSeconds: d.windowSeconds,
      forMs: d.forMs,
      satisfiedAt: d.satisfiedAt,
      sentence: d.sentence,
      evidence: d.evidence ?? null,
      outcome,
      version: rollout.toVersion,
    },
    at,
  });
  return row;
}

/**
 * Automatic rollback (REQUIREMENTS I3, I4): records the decision with its numbers and aborts the
 * rollout through the same machine path as a manual abort, in the caller's transaction.
 * Gradual: weight 0, drain, then remove the canary; immediate: everything at once.
 */
export function autoRollback(tx: Tx, rollout: RolloutRow, d: Decision & { kind: "rollback_immediate" | "rollback_gradual" }, ctx: { cfg: AnalysisConfig; environment: string; at: number }): { rolledBack: boolean; decision: AnalysisDecisionRow } {
  // The same policy path as a manual action: an automatic safety abort of a running canary is
  // allowed even in lockdown (REQUIREMENTS E, resolved conflict) and recorded as such.
  const environment = findEnvironmentByName(tx, ctx.environment)!;
  const gate = policyDecision(tx, "deploy.auto_rollback", { actor: ANALYSIS_ACTOR, environment, subjectType: "rollout", subjectId: rollout.id, now: ctx.at });
  auditDecision(tx, "deploy.auto_rollback", gate, { actor: ANALYSIS_ACTOR, environment, subjectType: "rollout", subjectId: rollout.id, now: ctx.at });
  const policy = { allowed: gate.allowed, reasons: gate.reasons, note: gate.allowed && gate.mode === "lockdown" ? `automatic safety abort during lockdown (${gate.reasons.join(" ")})` : undefined };
  if (!policy.allowed) {
    return { rolledBack: false, decision: recordDecision(tx, rollout, d, "fail", `blocked by policy: ${policy.reasons.join("; ")}`, ctx.environment, ctx.at) };
  }
  const drainMs = d.kind === "rollback_gradual" ? Math.round(ctx.cfg.gradualDrainSeconds * ctx.cfg.timeScale * 1000) : 0;
  const outcome = d.kind === "rollback_gradual" ? `rollback (gradual: weight 0, remove the canary after ${drainMs / 1000} s)` : "rollback (immediate)";
  const decision = recordDecision(tx, rollout, d, "fail", policy.note ? `${outcome}; ${policy.note}` : outcome, ctx.environment, ctx.at);
  applyRolloutEvent(tx, rollout, { type: "abort", reason: d.sentence, ...(drainMs > 0 ? { drainMs } : {}) }, { actor: ANALYSIS_ACTOR, environment: ctx.environment, details: { decisionId: decision.id, automatic: true } }, ctx.at);
  return { rolledBack: true, decision };
}
