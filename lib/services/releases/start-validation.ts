import "server-only";
import { getDb } from "@/db/client";
import { findEnvironment } from "@/db/queries/catalog";
import { insertValidation, insertValidationGates } from "@/db/queries/governance";
import { findRelease } from "@/db/queries/releases";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import { currentFingerprint } from "./release-commands";
import { VALIDATION_GATES, gatesFor } from "@/lib/domain/health";
import { NotFoundError, PreconditionError } from "@/lib/errors";
import { VALIDATION_JOB, queueJob, validationKey } from "@/lib/jobs/kinds";

export { VALIDATION_JOB };

/** Starts a release validation for one environment (C2, runbook 003): its gates run in the worker. */
export function startValidation(actor: Actor, input: { releaseId: number; environmentId: number }, requestId?: string, now = Date.now()) {
  assertCan(actor, "release.advance");
  return writeTransaction(getDb(), (tx) => {
    const release = findRelease(tx, input.releaseId);
    if (!release) throw new NotFoundError("Release");
    const environment = findEnvironment(tx, input.environmentId);
    if (!environment) throw new NotFoundError("Environment");
    if (["completed", "aborted", "rolled_back"].includes(release.status)) throw new PreconditionError("This release is over; nothing to validate.");
    const gates = gatesFor(environment);
    const v = insertValidation(tx, { releaseId: release.id, environmentId: environment.id, status: "pending", fingerprint: currentFingerprint(tx, release), startedBy: actor.id, startedAt: now });
    insertValidationGates(tx, gates.map((key) => ({ validationId: v.id, key, label: VALIDATION_GATES[key], status: "pending" as const })));
    queueJob(tx, VALIDATION_JOB, { validationId: v.id }, { runAt: now, key: validationKey(v.id), now });
    recordAudit(tx, { actor, action: "validation.start", subjectType: "release", subjectId: release.id, environment: environment.name, details: { validationId: v.id, gates }, requestId, at: now });
    return v;
  });
}
