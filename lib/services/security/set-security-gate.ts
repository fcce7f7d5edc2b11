import "server-only";
import { getDb } from "@/db/client";
import { readGate, updateGate } from "@/db/queries/governance";
import { AuditedRefusal, refusableTransaction } from "@/lib/audit/refusal";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import { type GateChange, nextGateState } from "@/lib/domain/policy/gate";
import { ConflictError, PreconditionError } from "@/lib/errors";

/** Security sets mode and threat level (E1, E5); threat critical locks down by itself; only security leaves lockdown. */
export function setSecurityGate(actor: Actor, change: GateChange & { rowVersion?: number }, requestId?: string, now = Date.now()) {
  assertCan(actor, "security.manage");
  return refusableTransaction(getDb(), (tx) => {
    const current = readGate(tx);
    if (change.rowVersion !== undefined && change.rowVersion !== current.rowVersion) {
      throw new ConflictError("The security gate changed since you opened this page. Reload and try again.");
    }
    const before = { mode: current.mode, threatLevel: current.threatLevel, lockdownReason: current.lockdownReason };
    const result = nextGateState(before, change, actor.roles);
    if (!result.ok) {
      throw new AuditedRefusal(new PreconditionError(result.reason), {
        actor,
        action: "gate.change_refused",
        subjectType: "security_gate",
        subjectId: 1,
        details: { change, reason: result.reason },
        requestId,
        at: now,
      });
    }
    const after = updateGate(tx, current.rowVersion, { ...result.next, updatedBy: actor.id, updatedAt: now });
    recordAudit(tx, {
      actor,
      action: "gate.mode_set",
      subjectType: "security_gate",
      subjectId: 1,
      details: { before, after: result.next, autoLockdown: result.autoLockdown, reason: change.reason ?? null },
      requestId,
      at: now,
    });
    return after;
  });
}
