import "server-only";
import type { z } from "zod";
import { getDb } from "@/db/client";
import { findService } from "@/db/queries/catalog";
import { preflightOf, setPreflightResult } from "@/db/queries/governance";
import { type ReleaseRow, approvalsOf, findRelease, insertApproval, updateRelease as updateReleaseRow, voidApprovals } from "@/db/queries/releases";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import { approvalExpiresAt } from "@/lib/domain/approvals/rules";
import { parseCatalog, pickMigrations } from "@/lib/domain/migration-catalog";
import { releaseMigrations } from "@/lib/domain/release/deployments";
import { EDITABLE_PHASES, type EditValues, changesOf, frozenProblems, shown } from "@/lib/domain/release/edit";
import type { updateReleaseInput } from "@/lib/domain/release/inputs";
import { PHASE_LABELS, type ReleasePhase } from "@/lib/domain/release/lifecycle";
import { approvalTtlMs } from "@/lib/env";
import { ConflictError, InvalidError, NotFoundError, PreconditionError } from "@/lib/errors";
import { currentFingerprint } from "./release-commands";

type Input = z.output<typeof updateReleaseInput>;

const migrationsText = (list: readonly { id: string; kind?: string }[]) =>
  list
    .map((m) => m.id)
    .sort()
    .join(", ");

/** The editable fields of a stored release, as text (what a person compares). */
function valuesOf(r: ReleaseRow): EditValues {
  return {
    version: r.version,
    commitSha: r.commitSha,
    changeLog: r.changeLog,
    rollbackPlan: r.rollbackPlan,
    strategy: r.strategy,
    migrations: migrationsText(releaseMigrations(r)),
    hotfix: String(r.hotfix),
    sev1: String(r.sev1),
    soakMinutes: String(r.soakMinutes),
    monitoringMinutes: String(r.monitoringMinutes),
  };
}

/** The same fields as the edit form sends them. */
function valuesOfInput(i: Input, r: ReleaseRow): EditValues {
  return {
    version: i.version,
    commitSha: i.commitSha.toLowerCase(),
    changeLog: i.changeLog,
    rollbackPlan: i.rollbackPlan,
    strategy: JSON.stringify(i.strategy),
    migrations: migrationsText(i.migrations),
    hotfix: String(i.hotfix),
    sev1: String(i.sev1),
    soakMinutes: String(i.soakMinutes ?? r.soakMinutes),
    monitoringMinutes: String(i.monitoringMinutes),
  };
}

/**
 * Edits a release before its production rollout (issue 14, item 2). Each phase lets certain
 * fields change (lib/domain/release/edit.ts); a frozen one is refused with the phase named. The
 * change is recorded field by field (before / after). When it changes what approvers approved (the
 * fingerprint, D4), every open or granted approval and sign-off is voided and requested again from
 * the same role, in the same transaction, so the release never waits on a request nobody can give.
 * A new build in pre-flight resets the checklist. A race with another edit is a conflict that shows
 * what the other person saved beside what this one sent.
 */
export function updateRelease(actor: Actor, input: Input, requestId?: string, now = Date.now()) {
  assertCan(actor, "release.create");
  return writeTransaction(getDb(), (tx) => {
    const before = findRelease(tx, input.releaseId);
    if (!before) throw new NotFoundError("Release");
    const phase = before.status as ReleasePhase;
    if (!EDITABLE_PHASES.includes(phase)) throw new PreconditionError(`A release in ${PHASE_LABELS[phase].toLowerCase()} can no longer be edited.`);
    const proposed = valuesOfInput(input, before);
    const changes = changesOf(valuesOf(before), proposed);
    if (before.rowVersion !== input.rowVersion) {
      const theirs = changes.map((c) => `${c.label}: saved "${shown(c.before)}", yours "${shown(c.after)}"`);
      throw new ConflictError(`Someone changed this release since you opened it. ${theirs.length ? `${theirs.join("; ")}. ` : ""}Reload, then make your change again.`);
    }
    if (changes.length === 0) throw new InvalidError("Nothing to save: every field is as it was.");
    const frozen = frozenProblems(phase, changes);
    if (Object.keys(frozen).length > 0) {
      throw new InvalidError(Object.values(frozen).join(" "), Object.fromEntries(Object.entries(frozen).map(([f, m]) => [f, [m]])));
    }

    const changed = new Set(changes.map((c) => c.field));
    let migrations = before.migrations;
    if (changed.has("migrations")) {
      const service = findService(tx, before.serviceId);
      const picked = pickMigrations(parseCatalog(service?.migrations), input.migrations, service?.name ?? `service #${before.serviceId}`);
      if (!picked.ok) throw new InvalidError("Please correct the highlighted fields.", { migrations: picked.errors });
      migrations = JSON.stringify(picked.migrations);
    }
    const rebuilt = changed.has("version") || changed.has("commitSha") || changed.has("strategy");
    const fingerprintBefore = currentFingerprint(tx, before);
    const after = updateReleaseRow(tx, before.id, input.rowVersion, {
      version: input.version,
      commitSha: input.commitSha.toLowerCase(),
      changeLog: input.changeLog,
      rollbackPlan: input.rollbackPlan,
      migrations,
      strategy: JSON.stringify(input.strategy),
      hotfix: input.hotfix,
      sev1: input.sev1,
      soakMinutes: input.soakMinutes ?? before.soakMinutes,
      monitoringMinutes: input.monitoringMinutes,
      updatedAt: now,
      ...(rebuilt ? { phaseEnteredAt: now } : {}),
    });
    if (!after) throw new ConflictError("Someone changed this release since you opened it. Reload, then make your change again.");
    if (rebuilt) for (const item of preflightOf(tx, before.id)) setPreflightResult(tx, item.id, { status: "pending", evidence: null, decidedBy: null, decidedAt: null });

    const what = changes.map((c) => c.label.toLowerCase()).join(", ");
    recordAudit(tx, {
      actor,
      action: "release.update",
      subjectType: "release",
      subjectId: before.id,
      details: {
        phase,
        changed: changes.map((c) => c.field),
        before: Object.fromEntries(changes.map((c) => [c.field, c.before])),
        after: Object.fromEntries(changes.map((c) => [c.field, c.after])),
        checklistReset: rebuilt,
      },
      requestId,
      at: now,
    });

    // D4: approvals are bound to what was approved. Re-request each voided one from its role.
    const fingerprint = currentFingerprint(tx, after);
    let reRequested: string[] = [];
    if (fingerprint !== fingerprintBefore) {
      const open = approvalsOf(tx, before.id).filter((a) => a.status === "pending" || a.status === "approved");
      const voided = voidApprovals(tx, before.id);
      if (voided > 0) {
        const reason = `The release changed (${what}) after approval was requested.`;
        recordAudit(tx, { actor, action: "approval.void", subjectType: "release", subjectId: before.id, details: { voided, reason }, requestId, at: now });
        reRequested = open.map((a) => `${a.role}/${a.kind}`);
        for (const a of open) insertApproval(tx, { releaseId: before.id, role: a.role, kind: a.kind, status: "pending", fingerprint, requestedAt: now, expiresAt: approvalExpiresAt(now, approvalTtlMs()) });
        recordAudit(tx, { actor, action: "approval.request", subjectType: "release", subjectId: before.id, details: { requested: reRequested, reason: `Requested again: the release changed (${what}).` }, requestId, at: now });
      }
    }
    return Object.assign(after, { changes, reRequested });
  });
}
