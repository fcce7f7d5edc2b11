import type { Executor } from "@/db/connection";
import { listAuditEvents } from "@/db/queries/audit";
import { findService } from "@/db/queries/catalog";
import { gatesOf, latestValidation, migrationRunsOf, preflightOf } from "@/db/queries/governance";
import { approvalsOf, findRelease, rolloutsOfRelease } from "@/db/queries/releases";
import { findUserById } from "@/db/queries/users";
import type { Actor } from "@/lib/domain/actor";
import { currentFingerprint } from "@/lib/services/releases/release-commands";
import { validationStanding } from "@/lib/domain/health";
import { deploymentsOf, releaseMigrations } from "@/lib/domain/release/deployments";
import type { GatedAction } from "@/lib/domain/policy/gate";
import type { Decision } from "@/lib/domain/policy/decide";
import { releaseApproval } from "@/lib/services/approvals/release-approval";
import { policyDecision } from "@/lib/services/policy/check-policy";
import { releaseEnvironments } from "@/lib/services/releases/drive-release";

const emailOf = (db: Executor, id: number | null) => (id ? (findUserById(db, id)?.email ?? `user #${id}`) : null);

/** Everything the release page shows, read in one place (server component and tests share it). */
export function loadReleaseView(db: Executor, id: number, viewer: Actor, now = Date.now()) {
  const release = findRelease(db, id);
  if (!release) return undefined;
  const service = findService(db, release.serviceId)!;
  const envs = releaseEnvironments(db);
  const approvals = approvalsOf(db, id).map((a) => ({ ...a, approver: emailOf(db, a.approverId) }));
  // What the gate would say now, for the next deploy step (shown before anyone clicks; not audited).
  const preview = (action: GatedAction, production: boolean): Decision =>
    policyDecision(db, action, { actor: viewer, environment: production ? envs.production : envs.staging, release, driverId: viewer.id, subjectType: "release", subjectId: id, now });
  return {
    release,
    service: service.name,
    createdBy: emailOf(db, release.createdBy),
    preflight: preflightOf(db, id).map((i) => ({ ...i, decidedByEmail: emailOf(db, i.decidedBy) })),
    approvals,
    approval: releaseApproval(db, release, now),
    rollouts: rolloutsOfRelease(db, id).map((r) => ({ id: r.id, service: findService(db, r.serviceId)?.name ?? "?", environmentId: r.environmentId, environment: r.environmentId === envs.production.id ? envs.production.name : envs.staging.name, status: r.status, weight: r.weight, toVersion: r.toVersion })),
    migrations: releaseMigrations(release),
    deployments: deploymentsOf(release).map((d) => ({ ...d, service: findService(db, d.serviceId)?.name ?? `service #${d.serviceId}` })),
    migrationRuns: migrationRunsOf(db, id),
    validations: [envs.staging, envs.production].map((env) => {
      const v = latestValidation(db, id, env.id);
      return { environment: env, validation: v, gates: v ? gatesOf(db, [v.id]) : [], standing: validationStanding(v, currentFingerprint(db, release), now) };
    }),
    gateForStaging: preview("deploy.canary.start", false),
    gateForProduction: preview("deploy.canary.start", true),
    timeline: listAuditEvents(db, { subjectType: "release", subjectId: String(id) }, { limit: 100 }).events,
    now,
  };
}
export type ReleaseView = NonNullable<ReturnType<typeof loadReleaseView>>;
