import "server-only";
import type { Executor, Tx } from "@/db/connection";
import type { EnvironmentRow } from "@/db/queries/catalog";
import { listWindows, policyOverrides, readGate } from "@/db/queries/governance";
import type { ReleaseRow } from "@/db/queries/releases";
import { AuditedRefusal } from "@/lib/audit/refusal";
import { type AuditInput, recordAudit } from "@/lib/audit/record";
import type { AnyActor } from "@/lib/domain/actor";
import { type Decision, decide } from "@/lib/domain/policy/decide";
import type { GatedAction } from "@/lib/domain/policy/gate";
import { BlockedError } from "@/lib/errors";
import { releaseApproval } from "@/lib/services/approvals/release-approval";

export interface PolicySubject {
  actor: AnyActor;
  environment: EnvironmentRow;
  /** The release the action belongs to, when there is one (approvals, hotfix exception). */
  release?: ReleaseRow;
  /** The person about to drive the release (their approval stops counting, A4). */
  driverId?: number;
  subjectType: string;
  subjectId: number | string;
  requestId?: string;
  now: number;
}

/** Overrides that expired (or were revoked) within this span still reach the policy, so it can say "expired" / "revoked". */
const RECENTLY_EXPIRED_MS = 24 * 3600_000;

/** Loads the gate, overrides, windows and approvals from the database and asks the pure policy. */
export function policyDecision(db: Executor, action: GatedAction, s: PolicySubject): Decision {
  const gate = readGate(db);
  const overrides = policyOverrides(db, s.now - RECENTLY_EXPIRED_MS).map((o) => ({
    id: o.override.id,
    action: o.override.action,
    environment: o.environment,
    expiresAt: o.override.expiresAt,
    revokedAt: o.override.revokedAt,
    createdBy: o.override.createdBy,
  }));
  const approval = s.release ? releaseApproval(db, s.release, s.now, s.driverId) : undefined;
  return decide(action, {
    now: s.now,
    environment: { name: s.environment.name, production: s.environment.production },
    gate: { mode: gate.mode, threatLevel: gate.threatLevel, lockdownReason: gate.lockdownReason },
    overrides,
    windows: listWindows(db),
    actor: { kind: s.actor.kind, roles: s.actor.kind === "user" ? s.actor.roles : [] },
    release:
      s.release && approval
        ? {
            hotfix: s.release.hotfix,
            sev1: s.release.sev1,
            approval: { satisfied: approval.satisfied, hotfixBoardApproved: approval.hotfixBoardApproved, missing: approval.missing },
          }
        : undefined,
  });
}

function auditOf(action: GatedAction, d: Decision, s: PolicySubject, verb: AuditInput["action"]): AuditInput {
  return {
    actor: s.actor,
    action: verb,
    subjectType: s.subjectType,
    subjectId: s.subjectId,
    environment: s.environment.name,
    requestId: s.requestId,
    at: s.now,
    details: { gatedAction: action, mode: d.mode, reasons: d.reasons, requires: d.requires, wouldBlock: d.wouldBlock, usedOverride: d.usedOverride ?? null, releaseId: s.release?.id ?? null },
  };
}

/** Records what the decision needs on the record: a block, what monitor mode let through, an override used. */
export function auditDecision(tx: Tx, action: GatedAction, d: Decision, s: PolicySubject): void {
  if (!d.allowed) recordAudit(tx, auditOf(action, d, s, "gate.blocked"));
  else if (d.wouldBlock.length > 0) recordAudit(tx, auditOf(action, d, s, "gate.would_block"));
  else if (d.usedOverride !== undefined) recordAudit(tx, auditOf(action, d, s, "gate.override_used"));
}

/**
 * For services, inside their transaction and before any change: a blocked action rolls the
 * transaction back and leaves only its `gate.blocked` event (with the reasons verbatim).
 */
export function assertPolicy(tx: Tx, action: GatedAction, s: PolicySubject): Decision {
  const d = policyDecision(tx, action, s);
  if (!d.allowed) throw new AuditedRefusal(new BlockedError(d.reasons, d.requires), auditOf(action, d, s, "gate.blocked"));
  auditDecision(tx, action, d, s);
  return d;
}
