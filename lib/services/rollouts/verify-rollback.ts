import "server-only";
import type { Tx } from "@/db/connection";
import { type VerificationRow, updateVerification, verificationOf } from "@/db/queries/changelog";
import { findEnvironment } from "@/db/queries/catalog";
import { incidentOfRollout } from "@/db/queries/incidents";
import { appendRolloutLog, findRollout } from "@/db/queries/rollouts";
import { recordAudit } from "@/lib/audit/record";
import type { SystemActor } from "@/lib/domain/actor";
import {
  VERIFY_RETRY_MS,
  type VerificationProbe,
  afterAttempt,
  describeProbe,
  describeProbes,
  verificationTimelineText,
} from "@/lib/domain/rollout/rollback-verification";
import { ConflictError } from "@/lib/errors";
import { ROLLOUT_VERIFY_JOB, queueJob, rolloutVerifyKey } from "@/lib/jobs/kinds";
import { addTimeline, auditIncident, saveIncident } from "@/lib/services/incidents/internal";

const WORKER: SystemActor = { kind: "system", label: "worker" };

/**
 * Records one attempt of a post-rollback verification (K2), in the worker's transaction: a rollout
 * log line per probe; then either the next attempt (after VERIFY_RETRY_MS) or the outcome:
 * `rollout.verified` / `rollout.verification_failed` with every probe, and on the rollout's
 * incident a timeline entry. A failed verification in production is loud: its incident becomes P1
 * (the restored version does not serve either, so customers are still affected). A replayed
 * attempt (already recorded) changes nothing.
 */
export function recordRollbackVerification(tx: Tx, input: { rolloutId: number; attempt: number; probes: VerificationProbe[] }, now: number): VerificationRow | undefined {
  const verification = verificationOf(tx, input.rolloutId);
  if (!verification || verification.status !== "pending" || verification.attempts >= input.attempt) return verification;
  const rollout = findRollout(tx, input.rolloutId)!;
  const environment = findEnvironment(tx, rollout.environmentId)!;
  const { attempt, probes } = input;
  const next = afterAttempt(attempt, verification.maxAttempts, probes);
  const of = `${attempt}/${verification.maxAttempts}`;
  for (const p of probes) {
    appendRolloutLog(tx, { rolloutId: rollout.id, at: now, level: p.ok ? "info" : next === "failed" ? "error" : "warn", message: `post-rollback verification ${of}: ${describeProbe(p)}` });
  }
  const save = (patch: Partial<VerificationRow>) => {
    const saved = updateVerification(tx, verification.id, verification.rowVersion, { attempts: attempt, probes: JSON.stringify(probes), ...patch });
    if (!saved) throw new ConflictError("The verification changed meanwhile.");
    return saved;
  };

  if (next === "retry") {
    appendRolloutLog(tx, { rolloutId: rollout.id, at: now, level: "warn", message: `post-rollback verification ${of} did not pass; next attempt in ${VERIFY_RETRY_MS / 1000} s` });
    queueJob(tx, ROLLOUT_VERIFY_JOB, { rolloutId: rollout.id, attempt: attempt + 1 }, { runAt: now + VERIFY_RETRY_MS, key: rolloutVerifyKey(rollout.id, attempt + 1), now });
    return save({});
  }

  const restored = verification.restoredVersion;
  const summary = next === "passed" ? `${restored} serves in ${environment.name}: ${describeProbes(probes)}` : `${restored} does not serve in ${environment.name}: ${describeProbes(probes.filter((p) => !p.ok))}`;
  const saved = save({ status: next, summary, finishedAt: now });
  appendRolloutLog(tx, { rolloutId: rollout.id, at: now, level: next === "passed" ? "info" : "error", message: `post-rollback verification ${next === "passed" ? "passed" : "FAILED"}: ${summary}` });
  const incident = incidentOfRollout(tx, rollout.id);
  const event = recordAudit(tx, {
    actor: WORKER,
    action: next === "passed" ? "rollout.verified" : "rollout.verification_failed",
    subjectType: "rollout",
    subjectId: rollout.id,
    environment: environment.name,
    details: { restoredVersion: restored, attempts: attempt, maxAttempts: verification.maxAttempts, probes, incidentId: incident?.id ?? null, ...(next === "failed" ? { reason: summary } : {}) },
    at: now,
  });
  if (incident) {
    addTimeline(tx, incident.id, [
      { at: now, kind: next === "passed" ? "verification_passed" : "verification_failed", text: verificationTimelineText(next, restored, environment.name, probes, attempt), auditEventId: event.id, authorLabel: WORKER.label },
    ]);
    if (next === "failed" && environment.production && incident.status !== "resolved" && incident.severity !== "P1") {
      const raised = saveIncident(tx, incident, { severity: "P1" }, now);
      auditIncident(
        tx,
        WORKER,
        raised,
        "incident.severity_change",
        { kind: "severity_changed", text: `Severity ${incident.severity} -> P1 by the worker: the verification after the rollback failed.` },
        { from: incident.severity, to: "P1", reason: "post-rollback verification failed", rolloutId: rollout.id },
        undefined,
        now,
      );
    }
  }
  return saved;
}
