import { and, desc, eq, lt } from "drizzle-orm";
import type { Executor } from "../connection";
import { approvals, releases, services } from "../schema";

/**
 * Pages of the REST API's lists (/api/v1): newest first, strictly older than `beforeId` (the
 * cursor), `limit` rows (ask one more than the page to learn whether a next page exists).
 */

/** Releases with their service's name; filters by service name and phase. */
export function pageReleases(db: Executor, opts: { service?: string; phase?: string; beforeId?: number; limit: number }) {
  return db
    .select({ release: releases, service: services.name })
    .from(releases)
    .innerJoin(services, eq(services.id, releases.serviceId))
    .where(
      and(
        opts.service !== undefined ? eq(services.name, opts.service) : undefined,
        opts.phase !== undefined ? eq(releases.status, opts.phase as (typeof releases.$inferSelect)["status"]) : undefined,
        opts.beforeId !== undefined ? lt(releases.id, opts.beforeId) : undefined,
      ),
    )
    .orderBy(desc(releases.id))
    .limit(opts.limit)
    .all();
}

/** Approvals joined with their release's version and service name. */
const approvalsWithRelease = (db: Executor) =>
  db
    .select({ approval: approvals, releaseVersion: releases.version, service: services.name })
    .from(approvals)
    .innerJoin(releases, eq(releases.id, approvals.releaseId))
    .innerJoin(services, eq(services.id, releases.serviceId));

/** Approvals with their release's version and service name; filters by release and status. */
export function pageApprovals(db: Executor, opts: { releaseId?: number; status?: string; beforeId?: number; limit: number }) {
  return approvalsWithRelease(db)
    .where(
      and(
        opts.releaseId !== undefined ? eq(approvals.releaseId, opts.releaseId) : undefined,
        opts.status !== undefined ? eq(approvals.status, opts.status as (typeof approvals.$inferSelect)["status"]) : undefined,
        opts.beforeId !== undefined ? lt(approvals.id, opts.beforeId) : undefined,
      ),
    )
    .orderBy(desc(approvals.id))
    .limit(opts.limit)
    .all();
}

/** One approval with its release's version and service name. */
export const findApprovalWithRelease = (db: Executor, id: number) => approvalsWithRelease(db).where(eq(approvals.id, id)).get();
