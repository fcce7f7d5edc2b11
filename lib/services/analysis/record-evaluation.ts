import "server-only";
import type { Tx } from "@/db/connection";
import { insertEvidence, saveAnalysisState } from "@/db/queries/analysis";
import type { Evaluation } from "@/lib/domain/analysis/evaluate";

/**
 * Stores the latest evaluation of a rollout (verdict, reasons, values, streaks). Telemetry, not a
 * state change of the rollout: it is not audited; every decision it leads to is.
 */
export function recordEvaluation(tx: Tx, rolloutId: number, e: Evaluation): void {
  saveAnalysisState(tx, {
    rolloutId,
    state: JSON.stringify(e.state),
    verdict: e.verdict,
    reasons: JSON.stringify(e.reasons.slice(0, 20)),
    health: e.health,
    score: e.score,
    canary: e.canary ? JSON.stringify(e.canary) : null,
    baseline: e.baseline ? JSON.stringify(e.baseline) : null,
    evaluatedAt: e.at,
    evidence: JSON.stringify(e.evidence),
  });
  if (e.evidence.length) {
    const round = (x: number) => Number(x.toPrecision(6));
    insertEvidence(tx, { rolloutId, at: e.at, rules: JSON.stringify(e.evidence.map((r) => [r.ruleId, round(r.lnEvidence), round(r.rate), round(r.upper), round(r.p0), r.baselineRate === null ? null : round(r.baselineRate)])) });
  }
}
