import type { Executor } from "@/db/connection";
import { findAnalysisState, listDecisions } from "@/db/queries/analysis";
import { findRollout } from "@/db/queries/rollouts";
import { decisionView } from "@/lib/analysis-view";
import type { Verdict } from "@/lib/domain/analysis/evaluate";
import { type RolloutView, loadRolloutView } from "@/lib/rollout-view";

/**
 * What a rollout's page polls, as the REST API answers it (/api/v1/rollouts/{id}/live): the
 * page's clock-derived view (hold left, new log lines, why a hold holds) plus the latest canary
 * analysis verdict, so a pipeline can follow a rollout with one call a second.
 */
export interface RolloutLive extends RolloutView {
  /** The latest canary analysis verdict; null before the first evaluation (or without analysis). */
  verdict: Verdict | null;
}

export function loadRolloutLive(db: Executor, id: number, afterLogId = 0): RolloutLive | undefined {
  const view = loadRolloutView(db, id, afterLogId);
  if (!view) return undefined;
  return { ...view, verdict: findAnalysisState(db, id)?.verdict ?? null };
}

/** A rollout's analysis decisions with their numbers (I5), oldest first; undefined when the rollout is unknown. */
export function loadRolloutDecisions(db: Executor, id: number) {
  const rollout = findRollout(db, id);
  if (!rollout) return undefined;
  const decisions = listDecisions(db, rollout.id, 10_000).map(decisionView).reverse();
  return { rolloutId: rollout.id, version: rollout.toVersion, previousVersion: rollout.fromVersion, decisions };
}
