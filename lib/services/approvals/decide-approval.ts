import "server-only";
import type { z } from "zod";
import { getDb } from "@/db/client";
import { approvalsOf, decideApproval as decideApprovalRow, findApproval, findRelease } from "@/db/queries/releases";
import { findUserById } from "@/db/queries/users";
import { AuditedRefusal, refusableTransaction } from "@/lib/audit/refusal";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import { approvalExpiresAt, mayDecide } from "@/lib/domain/approvals/rules";
import { verifyPassword } from "@/lib/domain/password";
import type { decideApprovalInput } from "@/lib/domain/release/inputs";
import { approvalTtlMs } from "@/lib/env";
import { type AppError, ConflictError, ForbiddenError, InvalidError, NotFoundError, PreconditionError } from "@/lib/errors";
import type { Role } from "@/lib/domain/roles";
import { releaseFacts, toApprovalRecord } from "./release-approval";

/**
 * Approve or reject one approval request (D1-D4) under separation of duties (A4). An approver
 * whose sign-in is older than 15 minutes confirms with their password. Every refusal is audited
 * and changes nothing else.
 */
export async function decideApproval(actor: Actor, input: z.output<typeof decideApprovalInput>, requestId?: string, now = Date.now()) {
  assertCan(actor, "approval.decide");
  // Password re-entry happens before the transaction (scrypt is async; transactions are not).
  const reauthenticated = input.password ? await verifyPassword(input.password, findUserById(getDb(), actor.id)?.passwordHash) : false;
  const signedInAt = reauthenticated ? now : (actor.signedInAt ?? 0);

  return refusableTransaction(getDb(), (tx) => {
    const approval = findApproval(tx, input.approvalId);
    if (!approval) throw new NotFoundError("Approval");
    const release = findRelease(tx, approval.releaseId)!;
    const refuse = (error: AppError, reason: string): never => {
      throw new AuditedRefusal(error, {
        actor,
        action: "approval.refused",
        subjectType: "release",
        subjectId: release.id,
        details: { approvalId: approval.id, role: approval.role, kind: approval.kind, decision: input.decision, reason },
        requestId,
        at: now,
      });
    };
    // A wrong password is a refusal like any other: audited, so guessing leaves a trail.
    if (input.password && !reauthenticated) refuse(new InvalidError("That password is not right.", { password: ["That password is not right."] }), "wrong password at re-authentication");
    const facts = releaseFacts(tx, release);
    const verdict = mayDecide({ id: actor.id, roles: actor.roles, signedInAt }, toApprovalRecord(approval), facts, approvalsOf(tx, release.id).map(toApprovalRecord), now);
    if (!verdict.ok) {
      const error = verdict.reauth
        ? new InvalidError(verdict.reason, { password: ["Enter your password to confirm it is you."] })
        : !actor.roles.includes(approval.role as Role)
          ? new ForbiddenError(verdict.reason, "approval.decide")
          : new PreconditionError(verdict.reason);
      refuse(error, verdict.reason);
    }
    const approved = input.decision === "approve";
    const ok = decideApprovalRow(tx, approval.id, {
      status: approved ? "approved" : "rejected",
      approverId: actor.id,
      comment: input.comment || null,
      fingerprint: facts.fingerprint,
      decidedAt: now,
      expiresAt: approved ? approvalExpiresAt(now, approvalTtlMs()) : approval.expiresAt,
    });
    if (!ok) throw new ConflictError("Someone decided this approval meanwhile. Reload to see it.");
    recordAudit(tx, {
      actor,
      action: approved ? "approval.grant" : "approval.reject",
      roles: [approval.role],
      subjectType: "release",
      subjectId: release.id,
      details: { approvalId: approval.id, role: approval.role, kind: approval.kind, version: release.version, comment: input.comment, fingerprint: facts.fingerprint, reauthenticated },
      requestId,
      at: now,
    });
    return { id: approval.id, status: approved ? "approved" : "rejected" };
  });
}
