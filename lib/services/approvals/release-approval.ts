import "server-only";
import type { Executor } from "@/db/connection";
import { type ApprovalRow, type ReleaseRow, approvalsOf, rolloutsOfRelease } from "@/db/queries/releases";
import { currentFingerprint } from "@/lib/services/releases/release-commands";
import { type ApprovalRecord, type ReleaseFacts, approvalStatus } from "@/lib/domain/approvals/rules";
import { releaseMigrations } from "@/lib/domain/release/deployments";
import type { Role } from "@/lib/domain/roles";

export const toApprovalRecord = (a: ApprovalRow): ApprovalRecord => ({
  id: a.id,
  role: a.role as Role,
  kind: a.kind,
  status: a.status,
  approverId: a.approverId,
  fingerprint: a.fingerprint,
  decidedAt: a.decidedAt,
  expiresAt: a.expiresAt,
});

const contractCount = (r: ReleaseRow) => releaseMigrations(r).filter((m) => m.kind === "contract").length;

/** The facts separation of duties and approval counting need: creator, drivers, current fingerprint. */
export function releaseFacts(db: Executor, r: ReleaseRow, prospectiveDriver?: number): ReleaseFacts {
  const started = rolloutsOfRelease(db, r.id).flatMap((x) => (x.createdBy ? [x.createdBy] : []));
  const drivers = [...new Set(prospectiveDriver ? [...started, prospectiveDriver] : started)];
  return { id: r.id, createdBy: r.createdBy, drivers, hotfix: r.hotfix, sev1: r.sev1, fingerprint: currentFingerprint(db, r), contractMigrations: contractCount(r) };
}

/**
 * Whether the release has the production approvals it needs now (D1, D2), and what is missing.
 * `prospectiveDriver`: the person about to drive it, whose own approval then stops counting (A4).
 */
export function releaseApproval(db: Executor, r: ReleaseRow, now: number, prospectiveDriver?: number) {
  return approvalStatus(releaseFacts(db, r, prospectiveDriver), approvalsOf(db, r.id).map(toApprovalRecord), now);
}
