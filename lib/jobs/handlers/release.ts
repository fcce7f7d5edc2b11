import "server-only";
import type { Db } from "@/db/connection";
import { findEnvironment } from "@/db/queries/catalog";
import { finishMigrationRun, insertMigrationRun } from "@/db/queries/governance";
import { findRelease } from "@/db/queries/releases";
import { findUserById, rolesOfUser } from "@/db/queries/users";
import { recordAudit } from "@/lib/audit/record";
import type { Actor, AnyActor } from "@/lib/domain/actor";
import { ROLES, type Role } from "@/lib/domain/roles";
import { renderCommand, runCommand } from "@/lib/drivers/command/driver";
import { advanceRelease, pendingMigrations } from "@/lib/services/releases/follow-rollout";
import { startReleaseRollouts } from "@/lib/services/releases/start-release-rollouts";
import { RELEASE_MIGRATE_JOB, payloadOf } from "../kinds";
import type { JobHandler } from "../runner";

const MIGRATION_TIMEOUT_MS = 10 * 60_000;
const WORKER: AnyActor = { kind: "system", label: "worker" };

/** The person who asked for the deploy, so rollouts started after the migrations are theirs (A4 drivers). */
function actorOf(db: Db, id: number | null): AnyActor {
  const user = id ? findUserById(db, id) : undefined;
  if (!user) return WORKER;
  const roles = rolesOfUser(db, user.id).filter((r): r is Role => (ROLES as readonly string[]).includes(r));
  return { kind: "user", id: user.id, email: user.email, name: user.name, roles } satisfies Actor;
}

/**
 * Runs a release's migrations in one environment, in order, each recorded with its output (G4):
 * expand ones, then the release's rollouts start; contract ones (after every deployment is
 * healthy), then the release moves on. A failure stops there; the captain deploys again to retry
 * (migrations that succeeded are never run twice).
 */
export function releaseHandlers(db: Db, now: () => number = Date.now): Record<string, JobHandler> {
  return {
    async [RELEASE_MIGRATE_JOB](ctx) {
      const job = payloadOf(ctx.job, RELEASE_MIGRATE_JOB);
      const release = findRelease(db, job.releaseId);
      const environment = findEnvironment(db, job.environmentId);
      if (!release || !environment) return;
      const expected = environment.production ? "production_rollout" : "staging_deploy";
      if (release.status !== expected) return; // aborted meanwhile
      for (const m of ctx.commit((tx) => pendingMigrations(tx, release, environment.id, job.kind))) {
        const run = ctx.commit((tx) =>
          insertMigrationRun(tx, { releaseId: release.id, environmentId: environment.id, migrationId: m.id, kind: m.kind, version: release.version, status: "running", startedAt: now() }),
        );
        const outcome = m.command
          ? await runCommand(renderCommand(m.command, { version: release.version, environment: environment.name, migration: m.id }), MIGRATION_TIMEOUT_MS)
          : { code: 0, output: "No command configured: recorded as applied outside Flightdeck.", timedOut: false };
        const ok = outcome.code === 0 && !outcome.timedOut;
        const output = outcome.timedOut ? `timed out after ${MIGRATION_TIMEOUT_MS / 1000} s\n${outcome.output}` : outcome.output;
        ctx.commit((tx) => {
          finishMigrationRun(tx, run.id, { status: ok ? "succeeded" : "failed", output, finishedAt: now() });
          recordAudit(tx, {
            actor: WORKER,
            action: "migration.run",
            subjectType: "release",
            subjectId: release.id,
            environment: environment.name,
            details: { migration: m.id, kind: m.kind, version: release.version, status: ok ? "succeeded" : "failed", exitCode: outcome.code, output: output.slice(-2000) },
            at: now(),
          });
        });
        if (!ok) return;
      }
      ctx.commit((tx) => {
        const fresh = findRelease(tx, release.id)!;
        if (fresh.status !== expected) return;
        if (job.kind === "expand") startReleaseRollouts(tx, actorOf(db, job.actorId), fresh, environment, job.key, undefined, now());
        else advanceRelease(tx, fresh, environment, "succeeded", WORKER, now(), { after: "contract migrations" });
      });
    },
  };
}
