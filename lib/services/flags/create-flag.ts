import "server-only";
import { getDb } from "@/db/client";
import { findFlagByKey, insertFlag } from "@/db/queries/flags";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import { FLAG_MESSAGES, createFlagInput, parseFlagInput } from "@/lib/domain/flags/flag";
import { ConflictError } from "@/lib/errors";
import { flagAuditState, resolveBinding } from "./flag-binding";

/** Adds a feature flag (runbook 002), optionally bound to a service's rollouts in one environment. */
export function createFlag(actor: Actor, raw: unknown, requestId?: string, now = Date.now()) {
  assertCan(actor, "flag.manage");
  const input = parseFlagInput(createFlagInput, raw);
  return writeTransaction(getDb(), (tx) => {
    if (findFlagByKey(tx, input.key)) throw new ConflictError(FLAG_MESSAGES.keyTaken(input.key), { key: [FLAG_MESSAGES.keyTaken(input.key)] });
    const binding = resolveBinding(tx, input);
    const row = insertFlag(tx, {
      key: input.key,
      description: input.description,
      enabled: input.enabled,
      rolloutPercentage: input.rolloutPercentage,
      serviceId: input.serviceId ?? null,
      environmentId: input.environmentId ?? null,
      createdBy: actor.id,
      createdAt: now,
      updatedAt: now,
    });
    recordAudit(tx, {
      actor,
      action: "flag.create",
      subjectType: "flag",
      subjectId: row.id,
      environment: binding?.environment,
      details: { key: row.key, description: row.description, ...flagAuditState(row), binding },
      requestId,
      at: now,
    });
    return row;
  });
}
