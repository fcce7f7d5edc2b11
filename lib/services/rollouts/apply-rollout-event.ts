import "server-only";
import type { Tx } from "@/db/connection";
import { type RolloutRow, appendRolloutLog, updateRolloutState, upsertServiceEnvState } from "@/db/queries/rollouts";
import { recordAudit } from "@/lib/audit/record";
import type { AnyActor } from "@/lib/domain/actor";
import { AUDIT_OF } from "@/lib/domain/rollout/audit-of";
import { FINAL_STATUSES, type RolloutEvent, transition } from "@/lib/domain/rollout/machine";
import { type PlanStep, type Strategy, rollsBackOnFailure } from "@/lib/domain/rollout/strategy";
import { ConflictError, PreconditionError } from "@/lib/errors";
import { ANALYSIS_TICK_JOB, ROLLOUT_JOB, analysisTickKey, queueJob, rolloutEffectKey, rolloutWatchKey } from "@/lib/jobs/kinds";
import { stateOf } from "@/lib/rollout-view";
import { openRollbackIncident } from "@/lib/services/incidents/open-rollback-incident";
import { recordRolloutTimeFacts } from "@/lib/services/insights/time-facts";
import { syncBoundFlags } from "@/lib/services/flags/sync-bound-flags";
import { followRollout } from "@/lib/services/releases/follow-rollout";
import { recordReleaseChangelog } from "@/lib/services/releases/record-release-changelog";
import { queueRollbackVerification } from "./verify-rollback-queue";

/** Job kinds live in the registry (lib/jobs/kinds.ts), AUDIT_OF in the domain; re-exported for the modules that import them from here. */
export { ANALYSIS_TICK_JOB, AUDIT_OF, ROLLOUT_JOB };

/** While a step holds, the worker checks the versions' processes this often (dead canary = failed step). */
export const WATCH_EVERY_MS = 2000;


export const planOfRow = (r: RolloutRow) => JSON.parse(r.plan) as PlanStep[];

/**
 * Moves a rollout through its machine inside the caller's transaction: the new state (optimistic
 * row_version), the jobs for its effects, a log line and the audit event commit together or not
 * at all. Refused transitions are PRECONDITION_FAILED with the machine's reason.
 */
export function applyRolloutEvent(
  tx: Tx,
  rollout: RolloutRow,
  event: RolloutEvent,
  who: { actor: AnyActor; environment: string; requestId?: string; details?: Record<string, unknown> },
  now: number,
): RolloutRow {
  const plan = planOfRow(rollout);
  const strategy = JSON.parse(rollout.strategy) as Strategy;
  const t = transition(plan, stateOf(rollout), event, { rollbackOnFailure: rollsBackOnFailure(strategy) });
  if (!t.ok) throw new PreconditionError(t.error);
  const final = FINAL_STATUSES.includes(t.next.status);
  const updated = updateRolloutState(tx, rollout.id, rollout.rowVersion, { ...t.next, updatedAt: now, finishedAt: final ? now : null });
  if (!updated) throw new ConflictError("The rollout changed meanwhile. Reload and try again.");

  for (const effect of t.effects) {
    const key = rolloutEffectKey(rollout.id, updated.rowVersion, effect.type);
    if (effect.type === "execute_step") {
      queueJob(tx, ROLLOUT_JOB.step, { rolloutId: rollout.id, stepIndex: effect.stepIndex, rowVersion: updated.rowVersion }, { runAt: now, key, now });
    } else if (effect.type === "wake_at") {
      queueJob(tx, ROLLOUT_JOB.wake, { rolloutId: rollout.id }, { runAt: effect.at, key, now });
      queueJob(tx, ROLLOUT_JOB.watch, { rolloutId: rollout.id, rowVersion: updated.rowVersion, n: 1 }, { runAt: now + WATCH_EVERY_MS, key: rolloutWatchKey(rollout.id, updated.rowVersion, 1), now });
    } else {
      queueJob(tx, ROLLOUT_JOB.rollback, { rolloutId: rollout.id, reason: effect.reason, drainMs: effect.drainMs ?? 0 }, { runAt: now, key, now });
    }
  }
  if (event.type === "start" && rollout.fromVersion) {
    // Analysis follows the rollout from its first step until it rolls back or completes.
    queueJob(tx, ANALYSIS_TICK_JOB, { rolloutId: rollout.id, n: 1 }, { runAt: now, key: analysisTickKey(rollout.id, 1), now });
  }

  if (t.next.status === "succeeded") {
    upsertServiceEnvState(tx, { serviceId: rollout.serviceId, environmentId: rollout.environmentId, currentVersion: rollout.toVersion, lastGoodVersion: rollout.toVersion, at: now });
  } else if (t.next.status === "rolled_back" && rollout.fromVersion) {
    upsertServiceEnvState(tx, { serviceId: rollout.serviceId, environmentId: rollout.environmentId, currentVersion: rollout.fromVersion, at: now });
  }

  const step = plan[t.next.stepIndex];
  const summary = `${event.type.replace(/_/g, " ")} -> ${t.next.status}${step ? `, step ${t.next.stepIndex + 1}/${plan.length} (${step.kind}${step.kind === "shift" ? ` ${step.weight}%` : ""})` : ""}, weight ${t.next.weight}%${t.next.reason ? `: ${t.next.reason}` : ""}`;
  appendRolloutLog(tx, { rolloutId: rollout.id, at: now, level: t.next.status === "failed" || event.type === "step_failed" || event.type === "step_blocked" ? "error" : event.type === "gate_blocked" ? "warn" : "info", message: summary });
  recordAudit(tx, {
    actor: who.actor,
    action: t.next.status === "succeeded" ? "rollout.succeeded" : AUDIT_OF[event.type],
    subjectType: "rollout",
    subjectId: rollout.id,
    environment: who.environment,
    details: { ...who.details, event, from: rollout.status, to: t.next.status, stepIndex: t.next.stepIndex, weight: t.next.weight, version: rollout.toVersion },
    requestId: who.requestId,
    at: now,
  });
  // Insights reads a finished rollout's time from here on instead of replaying its events.
  if (final) recordRolloutTimeFacts(tx, updated, now);
  // Runbook 002: flags bound to this service and environment follow the canary (weight, 100, off).
  syncBoundFlags(tx, { rollout, plan, event, next: t.next, effects: t.effects }, who, now);
  if (t.next.status === "succeeded" || t.next.status === "rolled_back") {
    // K2: a completed rollback in production opens its incident in this transaction.
    openRollbackIncident(tx, updated, who.actor, now);
    // K2: a completed rollback queues the verification of the restored version; the release's change log records either outcome.
    queueRollbackVerification(tx, updated, now);
    recordReleaseChangelog(tx, updated, now);
    // One deployment of a release rolled back: its siblings are aborted too (G5).
    for (const sibling of followRollout(tx, updated, who.actor, now)) {
      applyRolloutEvent(tx, sibling, { type: "abort", reason: `Rollout #${rollout.id} of the same release rolled back` }, { actor: who.actor, environment: who.environment }, now);
    }
  }
  return updated;
}
