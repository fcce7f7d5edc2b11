import "server-only";
import { getDb } from "@/db/client";
import type { Tx } from "@/db/connection";
import { findEnvironment, findService } from "@/db/queries/catalog";
import { findRollout, findRolloutByKey } from "@/db/queries/rollouts";
import { refusableTransaction } from "@/lib/audit/refusal";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import { strategySchema } from "@/lib/domain/rollout/strategy";
import { ConflictError, PreconditionError } from "@/lib/errors";
import { assertPolicy } from "@/lib/services/policy/check-policy";
import { applyRolloutEvent } from "./apply-rollout-event";
import { createRollout } from "./create-rollout";
import { planRollback } from "./plan-rollback";

/**
 * Applies the rollback plan (K1): a live rollout is aborted (canary to 0%, removed); otherwise
 * the earlier version is redeployed at once (deploy, smoke, 100%, promote). The plan is computed
 * again inside the transaction and must still lead where the person saw it lead.
 */
export function executeRollback(actor: Actor, input: RollbackInput, requestId?: string, now = Date.now()) {
  assertCan(actor, "rollout.abort");
  return refusableTransaction(getDb(), (tx) => executeRollbackIn(tx, actor, input, requestId, now));
}

type RollbackInput = { serviceId: number; environmentId: number; expectedTo: string; reason: string; idempotencyKey: string };

/**
 * executeRollback's work inside the caller's refusable transaction (the caller checked
 * `rollout.abort`), for services that record more in the same transaction (a rollback request).
 */
export function executeRollbackIn(tx: Tx, actor: Actor, input: RollbackInput, requestId: string | undefined, now: number) {
  const existing = findRolloutByKey(tx, input.idempotencyKey);
  if (existing) return existing;
  const plan = planRollback(tx, input.serviceId, input.environmentId);
  if (!plan.ok) throw new PreconditionError(plan.reason);
  if ((plan.to ?? "") !== input.expectedTo) throw new ConflictError(`The rollback plan changed (it now leads to ${plan.to ?? "nothing"}). Review it again.`);
  const environment = findEnvironment(tx, input.environmentId)!;
  assertPolicy(tx, "deploy.rollback", { actor, environment, subjectType: "service", subjectId: input.serviceId, requestId, now });
  const details = { rollback: true, reason: input.reason, from: plan.from, to: plan.to, source: plan.source };
  if (plan.kind === "abort_live") {
    return applyRolloutEvent(tx, findRollout(tx, plan.rolloutId)!, { type: "abort", reason: `Rollback: ${input.reason}` }, { actor, environment: environment.name, requestId, details }, now);
  }
  const service = findService(tx, input.serviceId)!;
  return createRollout(
    tx,
    {
      actor,
      serviceId: service.id,
      environment,
      fromVersion: plan.from,
      toVersion: plan.to,
      strategy: strategySchema.parse({ kind: "canary", steps: [{ weight: 100, holdSeconds: 0 }] }),
      idempotencyKey: input.idempotencyKey,
      requestId,
      details,
    },
    now,
  );
}
