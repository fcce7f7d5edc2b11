import { and, asc, desc, eq, gt, inArray, isNull, or, sql } from "drizzle-orm";
import type { Executor } from "../connection";
import { approvals, metricSamples, releases, rollouts, services } from "../schema";
import type { SelectedFields } from "drizzle-orm/sqlite-core";

export type ReleaseRow = typeof releases.$inferSelect;
export type ApprovalRow = typeof approvals.$inferSelect;

export function listReleases(db: Executor, limit = 100) {
  return db
    .select({
      id: releases.id,
      version: releases.version,
      commitSha: releases.commitSha,
      status: releases.status,
      hotfix: releases.hotfix,
      createdAt: releases.createdAt,
      service: services.name,
    })
    .from(releases)
    .innerJoin(services, eq(services.id, releases.serviceId))
    .orderBy(desc(releases.createdAt))
    .limit(limit)
    .all();
}

/** The columns of an inbox row: the approval with its release and service. */
const inboxColumns = {
  id: approvals.id,
  role: approvals.role,
  kind: approvals.kind,
  requestedAt: approvals.requestedAt,
  releaseId: releases.id,
  version: releases.version,
  service: services.name,
  hotfix: releases.hotfix,
};

/** Pending, unexpired approvals (of `roles` when given) with their release and service, oldest first. */
function pendingRows<C extends SelectedFields>(db: Executor, columns: C, now: number, roles: readonly string[] | null, limit: number) {
  return db
    .select({ ...inboxColumns, ...columns })
    .from(approvals)
    .innerJoin(releases, eq(releases.id, approvals.releaseId))
    .innerJoin(services, eq(services.id, releases.serviceId))
    .where(and(eq(approvals.status, "pending"), roles ? inArray(approvals.role, [...roles]) : undefined, or(isNull(approvals.expiresAt), gt(approvals.expiresAt, now))))
    .orderBy(asc(approvals.requestedAt))
    .limit(limit)
    .all();
}

/** Pending approvals that one of these roles can give, oldest first (the approver inbox, D5). */
export function pendingApprovalsForRoles(db: Executor, roles: readonly string[], now = Date.now()) {
  if (roles.length === 0) return [];
  return pendingRows(db, { ageMs: sql<number>`cast(unixepoch('subsec') * 1000 - ${approvals.requestedAt} as integer)` }, now, roles, 200);
}

/** Every pending, unexpired approval with its row (the inbox sorts them by who may decide). */
export function pendingApprovals(db: Executor, now = Date.now()) {
  return pendingRows(db, { approval: approvals }, now, null, 500);
}

export const findRelease = (db: Executor, id: number) => db.select().from(releases).where(eq(releases.id, id)).get();

/** Releases whose version is one of `versions`, newest first (runbook 003 names releases by version). */
export const releasesWithVersion = (db: Executor, versions: string[]) =>
  db.select().from(releases).where(inArray(releases.version, versions)).orderBy(desc(releases.id)).all();

export const insertRelease = (db: Executor, v: typeof releases.$inferInsert): ReleaseRow => db.insert(releases).values(v).returning().get();

/** Optimistic update (DESIGN rule 7): undefined when the release changed meanwhile. */
export function updateRelease(db: Executor, id: number, rowVersion: number, v: Partial<Omit<ReleaseRow, "id" | "rowVersion">>) {
  return db
    .update(releases)
    .set({ ...v, rowVersion: rowVersion + 1 })
    .where(and(eq(releases.id, id), eq(releases.rowVersion, rowVersion)))
    .returning()
    .get();
}

export const approvalsOf = (db: Executor, releaseId: number) =>
  db.select().from(approvals).where(eq(approvals.releaseId, releaseId)).orderBy(asc(approvals.id)).all();

export const findApproval = (db: Executor, id: number) => db.select().from(approvals).where(eq(approvals.id, id)).get();

export const insertApproval = (db: Executor, v: typeof approvals.$inferInsert): ApprovalRow => db.insert(approvals).values(v).returning().get();

/** Records a decision on a still-pending approval; false when someone decided it first. */
export function decideApproval(db: Executor, id: number, v: Pick<ApprovalRow, "status" | "approverId" | "comment" | "fingerprint" | "decidedAt" | "expiresAt">) {
  return db
    .update(approvals)
    .set(v)
    .where(and(eq(approvals.id, id), eq(approvals.status, "pending")))
    .run().changes > 0;
}

/** Voids every open or granted approval of a release (it changed, D4); returns how many. */
export function voidApprovals(db: Executor, releaseId: number) {
  return db
    .update(approvals)
    .set({ status: "void" })
    .where(and(eq(approvals.releaseId, releaseId), inArray(approvals.status, ["pending", "approved"])))
    .run().changes;
}

/** Rollouts started for a release, newest first. */
export const rolloutsOfRelease = (db: Executor, releaseId: number) =>
  db.select().from(rollouts).where(eq(rollouts.releaseId, releaseId)).orderBy(desc(rollouts.id)).all();

/** Traffic a version served in an environment (from the router's per-second samples): totals and the mean per-second p95. */
export function versionTraffic(db: Executor, serviceId: number, environmentId: number, version: string) {
  return db
    .select({
      requests: sql<number>`coalesce(sum(${metricSamples.requests}), 0)`,
      errors: sql<number>`coalesce(sum(${metricSamples.errors5xx}), 0)`,
      p95: sql<number | null>`sum(${metricSamples.p95Ms} * ${metricSamples.requests}) / nullif(sum(${metricSamples.requests}), 0)`,
      seconds: sql<number>`count(*)`,
    })
    .from(metricSamples)
    .where(and(eq(metricSamples.serviceId, serviceId), eq(metricSamples.environmentId, environmentId), eq(metricSamples.version, version)))
    .get()!;
}
