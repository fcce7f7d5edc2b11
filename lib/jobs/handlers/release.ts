import "server-only";
import type { Db } from "@/db/connection";
import { type EnvironmentRow, findEnvironment, findService } from "@/db/queries/catalog";
import { finishMigrationRun, insertMigrationRun } from "@/db/queries/governance";
import { approvalsOf, findRelease } from "@/db/queries/releases";
import { findUserById, rolesOfUser } from "@/db/queries/users";
import { recordAudit } from "@/lib/audit/record";
import type { Actor, AnyActor } from "@/lib/domain/actor";
import { ROLES, type Role } from "@/lib/domain/roles";
import { renderCommand } from "@/lib/domain/commands";
import { parseCatalog, resolveMigration } from "@/lib/domain/migration-catalog";
import type { MigrationSpec } from "@/lib/domain/release/deployments";
import { runShell } from "@/lib/drivers/shell";
import { advanceRelease, pendingMigrations } from "@/lib/services/releases/follow-rollout";
import { currentFingerprint } from "@/lib/services/releases/release-commands";
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

interface MigrationOutcome {
  ok: boolean;
  output: string;
  exitCode: number | null;
  /** The command as run (rendered), null when none ran. */
  command: string | null;
  runAs: string | null;
  /** Why nothing ran, when something refused it (catalog, approval, root). */
  refused?: string;
}

const refusal = (reason: string): MigrationOutcome => ({ ok: false, output: reason, exitCode: null, command: null, runAs: null, refused: reason });

/**
 * One migration, with its command taken from the service's catalog now (admin-defined; a release
 * never carries one). In production it runs only while an approval of exactly these commands
 * stands (D4): an admin who changes a command after approval voids it.
 */
async function runMigration(db: Db, releaseId: number, environment: EnvironmentRow, m: MigrationSpec): Promise<MigrationOutcome> {
  const release = findRelease(db, releaseId)!;
  const service = findService(db, release.serviceId);
  const serviceName = service?.name ?? `service #${release.serviceId}`;
  const resolved = resolveMigration(parseCatalog(service?.migrations), m, serviceName);
  if (!resolved.ok) return refusal(resolved.reason);
  if (environment.production) {
    const fingerprint = currentFingerprint(db, release);
    const approved = approvalsOf(db, release.id).some((a) => a.status === "approved" && (a.kind === "production" || a.kind === "hotfix") && a.fingerprint === fingerprint);
    if (!approved) return refusal(`The commands of release ${release.version} changed after its production approval (D4), or it has none: migration ${m.id} did not run. Ask for approval again.`);
  }
  if (resolved.command === null) {
    return { ok: true, output: `No command defined for ${m.id} in ${serviceName}'s settings: recorded as applied outside Flightdeck.`, exitCode: 0, command: null, runAs: null };
  }
  const vars = { service: serviceName, environment: environment.name, version: release.version, migration: m.id };
  let command: string;
  try {
    command = renderCommand(resolved.command, vars);
  } catch (err) {
    return refusal(err instanceof Error ? err.message : String(err));
  }
  const r = await runShell(command, { timeoutMs: MIGRATION_TIMEOUT_MS, vars });
  if (r.refused) return { ...refusal(r.refused), command, runAs: r.runAs };
  const ok = r.code === 0 && !r.timedOut;
  const output = r.timedOut ? `timed out after ${MIGRATION_TIMEOUT_MS / 1000} s\n${r.output}` : r.output;
  return { ok, output, exitCode: r.code, command, runAs: r.runAs };
}

/**
 * Runs a release's migrations in one environment, in order, each recorded with its output and
 * audited with the command as run and who ran it (G4): expand ones, then the release's rollouts
 * start; contract ones (after every deployment is healthy), then the release moves on. A failure stops there; the captain deploys again to retry
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
        const outcome = await runMigration(db, release.id, environment, m);
        ctx.commit((tx) => {
          finishMigrationRun(tx, run.id, { status: outcome.ok ? "succeeded" : "failed", output: outcome.output, finishedAt: now() });
          recordAudit(tx, {
            actor: WORKER,
            action: "migration.run",
            subjectType: "release",
            subjectId: release.id,
            environment: environment.name,
            details: {
              migration: m.id,
              kind: m.kind,
              version: release.version,
              status: outcome.ok ? "succeeded" : outcome.refused ? "refused" : "failed",
              exitCode: outcome.exitCode,
              command: outcome.command,
              runAs: outcome.runAs,
              ...(outcome.refused ? { reason: outcome.refused } : {}),
              output: outcome.output.slice(-2000),
            },
            at: now(),
          });
        });
        if (!outcome.ok) return;
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
