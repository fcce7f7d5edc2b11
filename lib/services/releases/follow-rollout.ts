import "server-only";
import type { Tx } from "@/db/connection";
import { type EnvironmentRow, findEnvironment } from "@/db/queries/catalog";
import { migrationRunsOf } from "@/db/queries/governance";
import { type ReleaseRow, findRelease, insertApproval, rolloutsOfRelease, updateRelease } from "@/db/queries/releases";
import type { RolloutRow } from "@/db/queries/rollouts";
import { recordAudit } from "@/lib/audit/record";
import type { AnyActor } from "@/lib/domain/actor";
import { currentFingerprint } from "./release-commands";
import { approvalExpiresAt } from "@/lib/domain/approvals/rules";
import { type MigrationSpec, deploymentsOf, migrationsToRun, releaseMigrations, roundOutcome } from "@/lib/domain/release/deployments";
import { type ReleasePhase, afterRollout } from "@/lib/domain/release/lifecycle";
import { FINAL_STATUSES, type RolloutStatus } from "@/lib/domain/rollout/machine";
import { approvalTtlMs } from "@/lib/env";
import { recordReleaseTimeFacts } from "@/lib/services/insights/time-facts";
import { type JobPayload, RELEASE_MIGRATE_JOB, migrateKey, migrateKeyPrefix, queueJob } from "@/lib/jobs/kinds";

/** Payload of a release's migration job: which migrations, where, and what follows them (lib/jobs/kinds.ts). */
export type MigrateJob = JobPayload<typeof RELEASE_MIGRATE_JOB>;
export { RELEASE_MIGRATE_JOB, migrateKeyPrefix };

/** Queues the release's migrations of `kind` for the worker (G4). */
export function queueMigrations(tx: Tx, job: MigrateJob, now: number): void {
  queueJob(tx, RELEASE_MIGRATE_JOB, job, { runAt: now, key: migrateKey(job), now });
}

/** Migrations of `kind` this release has not yet run successfully in the environment. */
export function pendingMigrations(tx: Tx, release: ReleaseRow, environmentId: number, kind: MigrationSpec["kind"]): MigrationSpec[] {
  const done = new Set(migrationRunsOf(tx, release.id).filter((r) => r.environmentId === environmentId && r.status === "succeeded").map((r) => r.migrationId));
  return migrationsToRun(releaseMigrations(release), kind, done);
}

/** Moves the release on after its deployments in `environment` ended (the phase rules decide where). */
export function advanceRelease(tx: Tx, release: ReleaseRow, environment: EnvironmentRow, outcome: "succeeded" | "rolled_back", actor: AnyActor, now: number, details: Record<string, unknown> = {}): void {
  const next = afterRollout(release.status as ReleasePhase, environment, outcome);
  if (!next) return;
  updateRelease(tx, release.id, release.rowVersion, { status: next, phaseEnteredAt: now, updatedAt: now });
  recordAudit(tx, { actor, action: "release.advance", subjectType: "release", subjectId: release.id, environment: environment.name, details: { from: release.status, to: next, outcome, ...details }, at: now });
  recordReleaseTimeFacts(tx, { ...release, updatedAt: now }, next, now);
  if (next === "staging_soak") {
    insertApproval(tx, { releaseId: release.id, role: "feature_owner", kind: "smoke", status: "pending", fingerprint: currentFingerprint(tx, release), requestedAt: now, expiresAt: approvalExpiresAt(now, approvalTtlMs()) });
    recordAudit(tx, { actor, action: "approval.request", subjectType: "release", subjectId: release.id, details: { requested: ["feature_owner/smoke"] }, at: now });
  }
}

/**
 * A release follows its rollouts, in the rollout event's transaction. Only when every deployment
 * of the release in that environment has ended does it move (G5): all succeeded -> contract
 * migrations, then the next phase (soak or monitoring window, D3 smoke sign-off requested); one
 * rolled back -> the other deployments are aborted and the release follows. Returns the sibling
 * rollouts the caller must abort.
 */
export function followRollout(tx: Tx, rollout: RolloutRow, actor: AnyActor, now: number): RolloutRow[] {
  if (!rollout.releaseId) return [];
  const release = findRelease(tx, rollout.releaseId);
  const environment = findEnvironment(tx, rollout.environmentId);
  if (!release || !environment) return [];
  const latest = new Map<number, RolloutRow>();
  for (const r of rolloutsOfRelease(tx, release.id)) if (r.environmentId === environment.id && !latest.has(r.serviceId)) latest.set(r.serviceId, r);
  const outcome = roundOutcome(deploymentsOf(release), (id) => latest.get(id)?.status);
  if (outcome === "running") return [];
  if (outcome === "rolled_back") {
    const live = [...latest.values()].filter((r) => !FINAL_STATUSES.includes(r.status as RolloutStatus) && r.status !== "rolling_back");
    if (live.length === 0) advanceRelease(tx, release, environment, "rolled_back", actor, now, { rolloutId: rollout.id });
    return live;
  }
  if (pendingMigrations(tx, release, environment.id, "contract").length > 0) {
    queueMigrations(tx, { releaseId: release.id, environmentId: environment.id, kind: "contract", key: `after:${rollout.id}`, actorId: null }, now);
    return [];
  }
  advanceRelease(tx, release, environment, "succeeded", actor, now, { rolloutId: rollout.id });
  return [];
}
