import "server-only";
import type { Tx } from "@/db/connection";
import { readGate, updateGate } from "@/db/queries/governance";
import { recordAudit } from "@/lib/audit/record";
import type { AnyActor } from "@/lib/domain/actor";
import { autoLockdownState } from "@/lib/domain/policy/gate";
import { ConflictError } from "@/lib/errors";

/**
 * Lockdown entered by the system (E5: a critical security incident), inside the caller's
 * transaction, audited as `gate.mode_set` with the trigger. No role check: the caller decided
 * (the incident service); leaving lockdown stays the Security team's. False when already locked down.
 */
export function enterAutoLockdown(tx: Tx, actor: AnyActor, reason: string, trigger: { subjectType: string; subjectId: number }, requestId: string | undefined, now: number): boolean {
  const current = readGate(tx);
  if (current.mode === "lockdown") return false;
  const before = { mode: current.mode, threatLevel: current.threatLevel, lockdownReason: current.lockdownReason };
  const next = autoLockdownState(before, reason);
  const after = updateGate(tx, current.rowVersion, { ...next, updatedBy: actor.kind === "user" ? actor.id : null, updatedAt: now });
  if (!after) throw new ConflictError("The security gate changed meanwhile. Try again.");
  recordAudit(tx, {
    actor,
    action: "gate.mode_set",
    subjectType: "security_gate",
    subjectId: 1,
    details: { before, after: next, autoLockdown: true, reason: next.lockdownReason, trigger },
    requestId,
    at: now,
  });
  return true;
}
