import "server-only";
import { getDb } from "@/db/client";
import { preflightOf, setPreflightResult } from "@/db/queries/governance";
import { findRelease } from "@/db/queries/releases";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import { NotFoundError, PreconditionError } from "@/lib/errors";
import { PREFLIGHT_JOB, preflightKey, queueJob } from "@/lib/jobs/kinds";

export { PREFLIGHT_JOB };

/** Queues the automated pre-flight checks (HTTP probes, facts) for the worker (C1). */
export function runPreflight(actor: Actor, input: { releaseId: number }, requestId?: string, now = Date.now()) {
  assertCan(actor, "release.advance");
  return writeTransaction(getDb(), (tx) => {
    const release = findRelease(tx, input.releaseId);
    if (!release) throw new NotFoundError("Release");
    if (release.status !== "preflight" && release.status !== "staging_deploy") throw new PreconditionError("Pre-flight is over for this release.");
    const automated = preflightOf(tx, release.id).filter((i) => i.check !== "attestation");
    for (const item of automated) setPreflightResult(tx, item.id, { status: "running", evidence: null, decidedBy: actor.id, decidedAt: now });
    queueJob(tx, PREFLIGHT_JOB, { releaseId: release.id }, { runAt: now, key: preflightKey(release.id, now), now });
    recordAudit(tx, { actor, action: "preflight.check", subjectType: "release", subjectId: release.id, details: { requested: automated.map((i) => i.key) }, requestId, at: now });
    return { id: release.id };
  });
}
