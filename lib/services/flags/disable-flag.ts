import "server-only";
import { getDb } from "@/db/client";
import { findEnvironment } from "@/db/queries/catalog";
import { findFlag, updateFlag } from "@/db/queries/flags";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import { disableFlagInput, parseFlagInput } from "@/lib/domain/flags/flag";
import { ConflictError, NotFoundError } from "@/lib/errors";
import { queueExternalFlagSync } from "./queue-external-sync";
import { flagAuditState } from "./flag-binding";

/**
 * The kill switch (runbook 002's `{"enabled": false, "rollout_percentage": 0}`): off and 0% at
 * once, whatever changed meanwhile (no version check in an emergency). Already off: nothing to do.
 */
export function disableFlag(actor: Actor, raw: unknown, requestId?: string, now = Date.now()) {
  assertCan(actor, "flag.manage");
  const input = parseFlagInput(disableFlagInput, raw);
  return writeTransaction(getDb(), (tx) => {
    const before = findFlag(tx, input.id);
    if (!before) throw new NotFoundError("Flag");
    if (!before.enabled && before.rolloutPercentage === 0) return before;
    const after = updateFlag(tx, before.id, before.rowVersion, { enabled: false, rolloutPercentage: 0, lastRolloutId: null, updatedAt: now });
    if (!after) throw new ConflictError("The flag changed while it was being switched off. Try again.");
    queueExternalFlagSync(tx, after, now);
    recordAudit(tx, {
      actor,
      action: "flag.disabled",
      subjectType: "flag",
      subjectId: after.id,
      environment: before.environmentId === null ? undefined : findEnvironment(tx, before.environmentId)?.name,
      details: { key: after.key, before: flagAuditState(before), after: flagAuditState(after), by: "kill switch" },
      requestId,
      at: now,
    });
    return after;
  });
}
