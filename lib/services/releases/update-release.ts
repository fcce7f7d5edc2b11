import "server-only";
import type { z } from "zod";
import { getDb } from "@/db/client";
import { findService } from "@/db/queries/catalog";
import { preflightOf, setPreflightResult } from "@/db/queries/governance";
import { findRelease, updateRelease as updateReleaseRow, voidApprovals } from "@/db/queries/releases";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import { parseCatalog, pickMigrations } from "@/lib/domain/migration-catalog";
import { releaseMigrations } from "@/lib/domain/release/deployments";
import type { updateReleaseInput } from "@/lib/domain/release/inputs";
import type { ReleasePhase } from "@/lib/domain/release/lifecycle";
import { ConflictError, InvalidError, NotFoundError, PreconditionError } from "@/lib/errors";

const EDITABLE: readonly ReleasePhase[] = ["preflight", "staging_deploy", "staging_soak", "production_approval"];

/**
 * Edits a release before its production rollout. Every edit voids its approvals (D4: they are
 * bound to a fingerprint of what was approved); a new version, commit or strategy also sends it
 * back to pre-flight, because staging tested something else.
 */
export function updateRelease(actor: Actor, input: z.output<typeof updateReleaseInput>, requestId?: string, now = Date.now()) {
  assertCan(actor, "release.create");
  return writeTransaction(getDb(), (tx) => {
    const before = findRelease(tx, input.releaseId);
    if (!before) throw new NotFoundError("Release");
    if (!EDITABLE.includes(before.status as ReleasePhase)) throw new PreconditionError(`A release in ${before.status.replace(/_/g, " ")} can no longer be edited.`);
    const service = findService(tx, before.serviceId);
    const picked = pickMigrations(parseCatalog(service?.migrations), input.migrations, service?.name ?? `service #${before.serviceId}`);
    if (!picked.ok) throw new InvalidError("Please correct the highlighted fields.", { migrations: picked.errors });
    const strategy = JSON.stringify(input.strategy);
    const rebuilt = before.version !== input.version || before.commitSha !== input.commitSha.toLowerCase() || before.strategy !== strategy;
    const after = updateReleaseRow(tx, before.id, input.rowVersion, {
      version: input.version,
      commitSha: input.commitSha.toLowerCase(),
      changeLog: input.changeLog,
      rollbackPlan: input.rollbackPlan,
      migrations: JSON.stringify(picked.migrations),
      strategy,
      hotfix: input.hotfix,
      sev1: input.sev1,
      soakMinutes: input.soakMinutes ?? before.soakMinutes,
      monitoringMinutes: input.monitoringMinutes,
      updatedAt: now,
      ...(rebuilt ? { status: "preflight" as const, phaseEnteredAt: now } : {}),
    });
    if (!after) throw new ConflictError("Someone changed this release since you opened it. Reload and try again.");
    if (rebuilt) for (const item of preflightOf(tx, before.id)) setPreflightResult(tx, item.id, { status: "pending", evidence: null, decidedBy: null, decidedAt: null });
    const voided = voidApprovals(tx, before.id);
    recordAudit(tx, {
      actor,
      action: "release.update",
      subjectType: "release",
      subjectId: before.id,
      details: {
        before: { version: before.version, commit: before.commitSha, phase: before.status, migrations: releaseMigrations(before).map((m) => m.id) },
        after: { version: after.version, commit: after.commitSha, phase: after.status, migrations: picked.migrations.map((m) => m.id) },
        backToPreflight: rebuilt,
      },
      requestId,
      at: now,
    });
    if (voided > 0) {
      recordAudit(tx, { actor, action: "approval.void", subjectType: "release", subjectId: before.id, details: { voided, reason: "The release changed after approval was requested." }, requestId, at: now });
    }
    return after;
  });
}
