import "server-only";
import { getDb } from "@/db/client";
import { findEnvironment, findService } from "@/db/queries/catalog";
import { findFlag, updateFlag as updateFlagRow } from "@/db/queries/flags";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import { parseFlagInput, updateFlagInput } from "@/lib/domain/flags/flag";
import { ConflictError, NotFoundError } from "@/lib/errors";
import { queueExternalFlagSync } from "./queue-external-sync";
import { flagAuditState, resolveBinding } from "./flag-binding";

/** Edits a flag's description, state, percentage and binding (optimistic: a stale form is CONFLICT). */
export function updateFlag(actor: Actor, raw: unknown, requestId?: string, now = Date.now()) {
  assertCan(actor, "flag.manage");
  const input = parseFlagInput(updateFlagInput, raw);
  return writeTransaction(getDb(), (tx) => {
    const before = findFlag(tx, input.id);
    if (!before) throw new NotFoundError("Flag");
    const binding = resolveBinding(tx, input);
    const after = updateFlagRow(tx, before.id, input.rowVersion, {
      description: input.description,
      enabled: input.enabled,
      rolloutPercentage: input.rolloutPercentage,
      serviceId: input.serviceId ?? null,
      environmentId: input.environmentId ?? null,
      // A manual change is no rollout's any more.
      lastRolloutId: null,
      updatedAt: now,
    });
    if (!after) throw new ConflictError("Someone (or a rollout) changed this flag since you opened it. Reload and try again.");
    if (after.enabled !== before.enabled || after.rolloutPercentage !== before.rolloutPercentage) queueExternalFlagSync(tx, after, now);
    const oldService = before.serviceId === null ? undefined : findService(tx, before.serviceId);
    const oldEnvironment = before.environmentId === null ? undefined : findEnvironment(tx, before.environmentId);
    recordAudit(tx, {
      actor,
      action: "flag.update",
      subjectType: "flag",
      subjectId: after.id,
      environment: binding?.environment ?? oldEnvironment?.name,
      details: {
        key: after.key,
        before: { description: before.description, ...flagAuditState(before), binding: oldService && oldEnvironment ? { service: oldService.name, environment: oldEnvironment.name } : null },
        after: { description: after.description, ...flagAuditState(after), binding },
      },
      requestId,
      at: now,
    });
    return after;
  });
}
