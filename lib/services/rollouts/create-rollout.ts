import "server-only";
import type { Tx } from "@/db/connection";
import { insertRollout } from "@/db/queries/rollouts";
import type { AnyActor } from "@/lib/domain/actor";
import { initialState } from "@/lib/domain/rollout/machine";
import { type Strategy, planOf } from "@/lib/domain/rollout/strategy";
import { ROLLOUT_JOB, queueJob, rolloutDeadlineKey } from "@/lib/jobs/kinds";
import { applyRolloutEvent } from "./apply-rollout-event";

/**
 * Inserts a rollout and starts it inside the caller's transaction (state, first job and audit
 * commit together). Callers check permission and preconditions first.
 */
export function createRollout(
  tx: Tx,
  v: {
    actor: AnyActor;
    serviceId: number;
    environment: { id: number; name: string };
    fromVersion: string | null;
    toVersion: string;
    strategy: Strategy;
    idempotencyKey: string;
    /** The release this rollout belongs to (its phase follows the rollout's end). */
    releaseId?: number;
    /** Timeout of a release deployment (G5): the worker aborts it if it is still live then. */
    deadlineAt?: number;
    requestId?: string;
    details?: Record<string, unknown>;
  },
  now: number,
) {
  const rollout = insertRollout(tx, {
    serviceId: v.serviceId,
    environmentId: v.environment.id,
    releaseId: v.releaseId ?? null,
    deadlineAt: v.deadlineAt ?? null,
    fromVersion: v.fromVersion,
    toVersion: v.toVersion,
    strategy: JSON.stringify(v.strategy),
    plan: JSON.stringify(planOf(v.strategy)),
    ...initialState(),
    idempotencyKey: v.idempotencyKey,
    createdBy: v.actor.kind === "user" ? v.actor.id : null,
    createdAt: now,
    updatedAt: now,
  });
  if (v.deadlineAt) queueJob(tx, ROLLOUT_JOB.deadline, { rolloutId: rollout.id }, { runAt: v.deadlineAt, key: rolloutDeadlineKey(rollout.id), now });
  return applyRolloutEvent(tx, rollout, { type: "start" }, { actor: v.actor, environment: v.environment.name, requestId: v.requestId, details: v.details }, now);
}
