import "server-only";
import type { Tx } from "@/db/connection";
import { findEnvironment } from "@/db/queries/catalog";
import { findRelease, insertApproval, updateRelease } from "@/db/queries/releases";
import type { RolloutRow } from "@/db/queries/rollouts";
import { recordAudit } from "@/lib/audit/record";
import { releaseFingerprint } from "@/lib/domain/approvals/fingerprint";
import { approvalExpiresAt } from "@/lib/domain/approvals/rules";
import { approvalTtlMs } from "@/lib/env";
import type { AnyActor } from "@/lib/domain/actor";
import { type ReleasePhase, afterRollout } from "@/lib/domain/release/lifecycle";

/**
 * A release follows the end of its rollouts, in the rollout event's transaction: staging done ->
 * soak (and a feature owner is asked to sign off the smoke tests, D3); production done ->
 * monitoring window; production rolled back -> rolled back.
 */
export function followRollout(tx: Tx, rollout: RolloutRow, outcome: "succeeded" | "rolled_back", actor: AnyActor, now: number): void {
  if (!rollout.releaseId) return;
  const release = findRelease(tx, rollout.releaseId);
  const environment = findEnvironment(tx, rollout.environmentId);
  if (!release || !environment) return;
  const next = afterRollout(release.status as ReleasePhase, environment, outcome);
  if (!next) return;
  updateRelease(tx, release.id, release.rowVersion, { status: next, phaseEnteredAt: now, updatedAt: now });
  recordAudit(tx, {
    actor,
    action: "release.advance",
    subjectType: "release",
    subjectId: release.id,
    environment: environment.name,
    details: { from: release.status, to: next, rolloutId: rollout.id, outcome },
    at: now,
  });
  if (next === "staging_soak") {
    insertApproval(tx, { releaseId: release.id, role: "feature_owner", kind: "smoke", status: "pending", fingerprint: releaseFingerprint(release), requestedAt: now, expiresAt: approvalExpiresAt(now, approvalTtlMs()) });
    recordAudit(tx, { actor, action: "approval.request", subjectType: "release", subjectId: release.id, details: { requested: ["feature_owner/smoke"] }, at: now });
  }
}
