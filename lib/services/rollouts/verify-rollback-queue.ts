import "server-only";
import type { Tx } from "@/db/connection";
import { type VerificationRow, insertVerification, startedAsRollback } from "@/db/queries/changelog";
import type { RolloutRow } from "@/db/queries/rollouts";
import { VERIFY_ATTEMPTS, rollbackOutcome } from "@/lib/domain/rollout/rollback-verification";
import { ROLLOUT_VERIFY_JOB, queueJob, rolloutVerifyKey } from "@/lib/jobs/kinds";

/**
 * K2: a rollback that completed (abort -> rolled_back, blue-green switch back, gradual, or a
 * succeeded redeploy of the earlier version) queues exactly one verification of the restored
 * version, pending, in the rollout event's transaction. Other rollouts, a rollback that restored
 * nothing (a first rollout), or a second call for the same rollout queue nothing.
 */
export function queueRollbackVerification(tx: Tx, rollout: RolloutRow, now: number): VerificationRow | undefined {
  if (rollout.status !== "rolled_back" && rollout.status !== "succeeded") return undefined;
  const outcome = rollbackOutcome(rollout, rollout.status === "succeeded" && startedAsRollback(tx, rollout.id));
  if (!outcome) return undefined;
  const verification = insertVerification(tx, { rolloutId: rollout.id, status: "pending", restoredVersion: outcome.restored, maxAttempts: VERIFY_ATTEMPTS, queuedAt: now });
  if (!verification) return undefined;
  queueJob(tx, ROLLOUT_VERIFY_JOB, { rolloutId: rollout.id, attempt: 1 }, { runAt: now, key: rolloutVerifyKey(rollout.id), now });
  return verification;
}
