import "server-only";
import { getDb } from "@/db/client";
import { findEnvironment, findService } from "@/db/queries/catalog";
import { findRollbackRequest, insertRollbackRequest, markRollbackRequestExecuted } from "@/db/queries/rollback-requests";
import { findRollout } from "@/db/queries/rollouts";
import { refusableTransaction } from "@/lib/audit/refusal";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import { ConflictError, NotFoundError, PreconditionError } from "@/lib/errors";
import { executeRollbackIn } from "./execute-rollback";
import { planRollback } from "./plan-rollback";

/** Runbook 003 writes versions as "v1.2.3"; Flightdeck records "1.2.3". Both name the same version. */
export function sameVersion(given: string, recorded: string | null): boolean {
  if (recorded === null) return false;
  const bare = (v: string) => v.replace(/^v(?=\d)/, "");
  return given === recorded || bare(given) === bare(recorded);
}

export interface RollbackRequestInput {
  serviceId: number;
  environmentId: number;
  /** What the caller believes runs now / should run after; each must match the plan (else CONFLICT naming it). */
  fromVersion?: string;
  toVersion?: string;
  reason: string;
}

/**
 * Records a rollback request (runbook 003 `rollback/create`): the dry-run plan of K1 as it is now,
 * checked against the versions the caller named, kept with its reason for `executeRollbackRequest`.
 * Nothing moves yet; the request and its `rollback.create` event commit together.
 */
export function createRollbackRequest(actor: Actor, input: RollbackRequestInput, requestId?: string, now = Date.now()) {
  assertCan(actor, "rollout.abort");
  return refusableTransaction(getDb(), (tx) => {
    const plan = planRollback(tx, input.serviceId, input.environmentId);
    if (!plan.ok) throw new PreconditionError(plan.reason);
    const planned = `The rollback plan goes from ${plan.from ?? "nothing"} to ${plan.to ?? "nothing"} (${plan.source}).`;
    if (input.toVersion !== undefined && !sameVersion(input.toVersion, plan.to)) {
      throw new ConflictError(`${planned} It does not lead to ${input.toVersion}.`, { toVersion: [`The plan leads to ${plan.to ?? "no version"}.`] });
    }
    if (input.fromVersion !== undefined && !sameVersion(input.fromVersion, plan.from)) {
      throw new ConflictError(`${planned} ${input.fromVersion} is not what it rolls back from.`, { fromVersion: [`The plan rolls back from ${plan.from ?? "no version"}.`] });
    }
    const environment = findEnvironment(tx, input.environmentId)!;
    const row = insertRollbackRequest(tx, {
      serviceId: input.serviceId,
      environmentId: input.environmentId,
      fromVersion: plan.from,
      // "" when aborting a first deployment leaves no earlier version (what executeRollback expects then).
      toVersion: plan.to ?? "",
      source: plan.source,
      reason: input.reason,
      createdBy: actor.id,
      createdAt: now,
    });
    recordAudit(tx, {
      actor,
      action: "rollback.create",
      subjectType: "rollback_request",
      subjectId: row.id,
      environment: environment.name,
      details: { service: findService(tx, input.serviceId)!.name, kind: plan.kind, from: plan.from, to: plan.to, source: plan.source, steps: plan.steps, reason: input.reason },
      requestId,
      at: now,
    });
    return { request: row, plan };
  });
}

/**
 * Executes a rollback request through executeRollback (same plan check, same policy: production
 * needs a deploy.rollback override, lockdown blocks) and marks it executed in the same
 * transaction. Its rollout key derives from the request, so executing twice rolls back once:
 * the second call returns the first one's rollout (`executed: false`).
 */
export function executeRollbackRequest(actor: Actor, input: { id: number }, requestId?: string, now = Date.now()) {
  assertCan(actor, "rollout.abort");
  return refusableTransaction(getDb(), (tx) => {
    const request = findRollbackRequest(tx, input.id);
    if (!request) throw new NotFoundError("Rollback request");
    if (request.rolloutId !== null) return { rollout: findRollout(tx, request.rolloutId)!, executed: false };
    const rollout = executeRollbackIn(
      tx,
      actor,
      { serviceId: request.serviceId, environmentId: request.environmentId, expectedTo: request.toVersion, reason: request.reason, idempotencyKey: `rollback-request:${request.id}` },
      requestId,
      now,
    );
    markRollbackRequestExecuted(tx, request.id, { executedAt: now, executedBy: actor.id, rolloutId: rollout.id });
    recordAudit(tx, {
      actor,
      action: "rollback.execute",
      subjectType: "rollback_request",
      subjectId: request.id,
      environment: findEnvironment(tx, request.environmentId)!.name,
      details: { rolloutId: rollout.id, from: request.fromVersion, to: request.toVersion || null, reason: request.reason },
      requestId,
      at: now,
    });
    return { rollout, executed: true };
  });
}
