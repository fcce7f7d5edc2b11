import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import type { Executor } from "../connection";
import { approvals, releases, services } from "../schema";

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

/** Pending approvals that one of these roles can give, oldest first (the approver inbox, D5). */
export function pendingApprovalsForRoles(db: Executor, roles: readonly string[]) {
  if (roles.length === 0) return [];
  return db
    .select({
      id: approvals.id,
      role: approvals.role,
      requestedAt: approvals.requestedAt,
      ageMs: sql<number>`cast(unixepoch('subsec') * 1000 - ${approvals.requestedAt} as integer)`,
      releaseId: releases.id,
      version: releases.version,
      service: services.name,
      hotfix: releases.hotfix,
    })
    .from(approvals)
    .innerJoin(releases, eq(releases.id, approvals.releaseId))
    .innerJoin(services, eq(services.id, releases.serviceId))
    .where(and(eq(approvals.status, "pending"), inArray(approvals.role, [...roles])))
    .orderBy(asc(approvals.requestedAt))
    .limit(200)
    .all();
}
