import "server-only";
import { getDb } from "@/db/client";
import { findEnvironment } from "@/db/queries/catalog";
import { findOverride, revokeOverride as revokeOverrideRow } from "@/db/queries/governance";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import { ForbiddenError, NotFoundError, PreconditionError } from "@/lib/errors";

/** Ends an override now (E3). Security may revoke any; others only their own. */
export function revokeOverride(actor: Actor, input: { overrideId: number }, requestId?: string, now = Date.now()) {
  assertCan(actor, "override.revoke");
  return writeTransaction(getDb(), (tx) => {
    const o = findOverride(tx, input.overrideId);
    if (!o) throw new NotFoundError("Override");
    if (!actor.roles.includes("security") && o.createdBy !== actor.id) throw new ForbiddenError("Only the Security team may revoke someone else's override.", "override.revoke");
    if (o.revokedAt !== null) throw new PreconditionError("This override is already revoked.");
    if (o.expiresAt <= now) throw new PreconditionError("This override has already expired.");
    revokeOverrideRow(tx, o.id, actor.id, now);
    recordAudit(tx, {
      actor,
      action: "override.revoke",
      subjectType: "override",
      subjectId: o.id,
      environment: findEnvironment(tx, o.environmentId)?.name,
      details: { action: o.action, leftMs: o.expiresAt - now },
      requestId,
      at: now,
    });
    return { id: o.id };
  });
}
