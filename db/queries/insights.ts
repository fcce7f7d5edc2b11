import { and, asc, eq, gte, inArray, isNotNull, lt, or } from "drizzle-orm";
import type { Executor } from "../connection";
import { auditEvents, incidents, releases, rollouts } from "../schema";

// Reads of the Insights page (issue 14, item 4): rollouts, releases, incidents and the audit
// events that tell their history, for one service / environment / time range.

export interface InsightsScope {
  serviceId?: number;
  environmentId?: number;
  from: number;
  to: number;
}

/** Rollouts that finished in the range or still run (for time spent), with their release's creation. */
export function rolloutsIn(db: Executor, s: InsightsScope) {
  return db
    .select({ rollout: rollouts, releaseCreatedAt: releases.createdAt })
    .from(rollouts)
    .leftJoin(releases, eq(releases.id, rollouts.releaseId))
    .where(
      and(
        s.serviceId ? eq(rollouts.serviceId, s.serviceId) : undefined,
        s.environmentId ? eq(rollouts.environmentId, s.environmentId) : undefined,
        lt(rollouts.createdAt, s.to),
        or(gte(rollouts.finishedAt, s.from), eq(rollouts.status, "running"), eq(rollouts.status, "paused"), eq(rollouts.status, "failed"), eq(rollouts.status, "rolling_back"), eq(rollouts.status, "pending")),
      ),
    )
    .orderBy(asc(rollouts.id))
    .all();
}

/** Releases created before the range's end that were still alive in it (their rollouts read separately). */
export function releasesIn(db: Executor, s: Omit<InsightsScope, "environmentId">) {
  return db
    .select()
    .from(releases)
    .where(and(s.serviceId ? eq(releases.serviceId, s.serviceId) : undefined, lt(releases.createdAt, s.to), gte(releases.updatedAt, s.from)))
    .orderBy(asc(releases.id))
    .all();
}

export const rolloutsOfReleases = (db: Executor, releaseIds: readonly number[]) =>
  releaseIds.length === 0 ? [] : db.select().from(rollouts).where(inArray(rollouts.releaseId, [...releaseIds])).orderBy(asc(rollouts.id)).all();

/** Incidents touching the range: mitigated in it, or linked to one of `rolloutIds` / `releaseIds`. */
export function incidentsIn(db: Executor, s: InsightsScope, rolloutIds: readonly number[], releaseIds: readonly number[]) {
  return db
    .select()
    .from(incidents)
    .where(
      or(
        and(
          s.serviceId ? eq(incidents.serviceId, s.serviceId) : undefined,
          s.environmentId ? eq(incidents.environmentId, s.environmentId) : undefined,
          isNotNull(incidents.mitigatedAt),
          gte(incidents.mitigatedAt, s.from),
          lt(incidents.mitigatedAt, s.to),
        ),
        rolloutIds.length ? inArray(incidents.rolloutId, [...rolloutIds]) : undefined,
        releaseIds.length ? inArray(incidents.releaseId, [...releaseIds]) : undefined,
      ),
    )
    .all();
}

/**
 * The audit events of these subjects (`rollout` or `release`), oldest first, with the given actions.
 * Read through audit_subject_action (one seek per subject and action, only matching rows fetched)
 * and put in order here: an ORDER BY id would sort every row's details in a temporary B-tree.
 */
export function subjectEvents(db: Executor, subjectType: "rollout" | "release", ids: readonly number[], actions: readonly string[]) {
  if (ids.length === 0) return [];
  return db
    .select({ id: auditEvents.id, subjectId: auditEvents.subjectId, action: auditEvents.action, createdAt: auditEvents.createdAt, details: auditEvents.details })
    .from(auditEvents)
    .where(and(eq(auditEvents.subjectType, subjectType), inArray(auditEvents.subjectId, ids.map(String)), inArray(auditEvents.action, [...actions])))
    .all()
    .sort((a, b) => a.id - b.id);
}
