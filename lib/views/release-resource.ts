import "server-only";
import type { Executor } from "@/db/connection";
import { findEnvironment, findService } from "@/db/queries/catalog";
import { type ApprovalRow, type ReleaseRow, approvalsOf, findRelease, rolloutsOfRelease } from "@/db/queries/releases";
import { serviceEnvState } from "@/db/queries/rollouts";
import { findUserById } from "@/db/queries/users";
import { deploymentsOf, releaseMigrations } from "@/lib/domain/release/deployments";
import type { ReleaseCommand, ReleasePhase } from "@/lib/domain/release/lifecycle";
import { releaseApproval } from "@/lib/services/approvals/release-approval";
import { releaseEnvironments } from "@/lib/services/releases/drive-release";

/**
 * Releases and approvals as the REST API (/api/v1/releases, /api/v1/approvals) answers them
 * (schemas: lib/api/spec/releases.ts, records.ts). A release's ETag is its row version (what
 * advance's If-Match checks); its approvals, rollouts and running versions are read now.
 */

const emailOf = (db: Executor, id: number | null) => (id ? (findUserById(db, id)?.email ?? `user #${id}`) : null);

export function approvalResource(db: Executor, a: ApprovalRow, release: { service: string; releaseVersion: string }) {
  return {
    id: a.id,
    releaseId: a.releaseId,
    service: release.service,
    releaseVersion: release.releaseVersion,
    role: a.role,
    kind: a.kind,
    status: a.status,
    approver: emailOf(db, a.approverId),
    comment: a.comment,
    requestedAt: a.requestedAt,
    decidedAt: a.decidedAt,
    expiresAt: a.expiresAt,
    links: { self: `/api/v1/approvals/${a.id}`, release: `/api/v1/releases/${a.releaseId}`, decideInBrowser: `/approvals/${a.id}` },
  };
}
export type ApprovalResource = ReturnType<typeof approvalResource>;

export function releaseResource(db: Executor, r: ReleaseRow, service: string, now = Date.now()) {
  const envs = releaseEnvironments(db);
  const running = (environmentId: number) => serviceEnvState(db, r.serviceId, environmentId)?.currentVersion ?? null;
  const approval = releaseApproval(db, r, now);
  return {
    id: r.id,
    service,
    version: r.version,
    commitSha: r.commitSha,
    phase: r.status,
    hotfix: r.hotfix,
    sev1: r.sev1,
    changeLog: r.changeLog,
    rollbackPlan: r.rollbackPlan,
    strategy: JSON.parse(r.strategy) as Record<string, unknown>,
    migrations: releaseMigrations(r),
    deployments: deploymentsOf(r).map((d) => ({ service: findService(db, d.serviceId)?.name ?? `service #${d.serviceId}`, timeoutMinutes: d.timeoutMinutes })),
    soakMinutes: r.soakMinutes,
    monitoringMinutes: r.monitoringMinutes,
    phaseEnteredAt: r.phaseEnteredAt,
    postmortemDueAt: r.postmortemDueAt,
    mergeBackReminder: r.mergeBackReminder,
    running: { [envs.staging.name]: running(envs.staging.id), [envs.production.name]: running(envs.production.id) },
    approvals: {
      satisfied: approval.satisfied,
      missing: approval.missing,
      items: approvalsOf(db, r.id).map((a) => approvalResource(db, a, { service, releaseVersion: r.version })),
    },
    rollouts: rolloutsOfRelease(db, r.id).map((x) => ({
      id: x.id,
      service: findService(db, x.serviceId)?.name ?? "?",
      environment: findEnvironment(db, x.environmentId)?.name ?? "?",
      status: x.status,
      weight: x.weight,
      toVersion: x.toVersion,
      link: `/api/v1/rollouts/${x.id}`,
    })),
    createdBy: emailOf(db, r.createdBy),
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    rowVersion: r.rowVersion,
    links: { self: `/api/v1/releases/${r.id}`, advance: `/api/v1/releases/${r.id}/advance`, page: `/releases/${r.id}` },
  };
}
export type ReleaseResource = ReturnType<typeof releaseResource>;

/** One release's resource with its row (for the ETag), or undefined when unknown. */
export function loadReleaseResource(db: Executor, id: number): { row: ReleaseRow; resource: ReleaseResource } | undefined {
  const row = findRelease(db, id);
  if (!row) return undefined;
  return { row, resource: releaseResource(db, row, findService(db, row.serviceId)?.name ?? "?") };
}

const STAGING_PHASES: readonly string[] = ["preflight", "staging_deploy", "staging_soak"];

/**
 * The environment a release command acts on, for a token's environment limit: deploy_staging on
 * staging, an abort while the release is still in staging on staging, everything else (asking for
 * production approvals, starting production, completing the monitoring window) on production.
 */
export function releaseCommandEnvironment(db: Executor, command: ReleaseCommand, phase: ReleasePhase): string {
  const envs = releaseEnvironments(db);
  const staging = command === "deploy_staging" || (command === "abort" && STAGING_PHASES.includes(phase));
  return staging ? envs.staging.name : envs.production.name;
}
