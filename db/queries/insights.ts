import { type AnyColumn, and, asc, eq, gte, inArray, isNotNull, isNull, lt, or, sql } from "drizzle-orm";
import type { Executor } from "../connection";
import { auditEvents, incidents, releaseTimeFacts, releases, rolloutTimeFacts, rollouts } from "../schema";

// Reads of the Insights page (issue 14, item 4): rollouts, releases, incidents and the audit
// events that tell their history, for one service / environment / time range; and the derived
// time facts of finished rollouts and ended releases (db/schema/insights.ts).
//
// Thousands of ids go to SQLite as one JSON array (`json_each`), not as one bound parameter each:
// building and preparing a statement with 10,000 placeholders costs more than the read itself.

export interface InsightsScope {
  serviceId?: number;
  environmentId?: number;
  from: number;
  to: number;
}

/** `column IN (the ids)`, the ids bound as one JSON array. */
const inIds = (column: AnyColumn, ids: readonly (number | string)[]) => inArray(column, sql`(select value from json_each(${JSON.stringify(ids)}))`);

const LIVE_ROLLOUT = ["running", "paused", "failed", "rolling_back", "pending"];
export const ENDED_RELEASE = ["completed", "aborted", "rolled_back"] as const;

/**
 * Rollouts that finished in the range or still run (for time spent), with their release's creation
 * and, once finished, their stored facts (`factsAt` null: none stored, replay its events).
 */
export function rolloutsIn(db: Executor, s: InsightsScope) {
  return db
    .select({
      id: rollouts.id,
      releaseId: rollouts.releaseId,
      serviceId: rollouts.serviceId,
      environmentId: rollouts.environmentId,
      status: rollouts.status,
      createdAt: rollouts.createdAt,
      finishedAt: rollouts.finishedAt,
      releaseCreatedAt: releases.createdAt,
      factsAt: rolloutTimeFacts.computedAt,
      restoration: rolloutTimeFacts.restoration,
      abortedAt: rolloutTimeFacts.abortedAt,
    })
    .from(rollouts)
    .leftJoin(releases, eq(releases.id, rollouts.releaseId))
    .leftJoin(rolloutTimeFacts, eq(rolloutTimeFacts.rolloutId, rollouts.id))
    .where(
      and(
        s.serviceId ? eq(rollouts.serviceId, s.serviceId) : undefined,
        s.environmentId ? eq(rollouts.environmentId, s.environmentId) : undefined,
        lt(rollouts.createdAt, s.to),
        or(gte(rollouts.finishedAt, s.from), inArray(rollouts.status, LIVE_ROLLOUT)),
      ),
    )
    .orderBy(asc(rollouts.id))
    .all();
}

/**
 * Releases created before the range's end that were still alive in it, with their stored time
 * facts once ended (`factsAt` null: none stored). With an environment, those that deployed there.
 */
export function releasesIn(db: Executor, s: InsightsScope) {
  return db
    .select({
      id: releases.id,
      serviceId: releases.serviceId,
      version: releases.version,
      status: releases.status,
      createdAt: releases.createdAt,
      updatedAt: releases.updatedAt,
      factsAt: releaseTimeFacts.computedAt,
      spent: releaseTimeFacts.spent,
      totalMs: releaseTimeFacts.totalMs,
    })
    .from(releases)
    .leftJoin(releaseTimeFacts, eq(releaseTimeFacts.releaseId, releases.id))
    .where(
      and(
        s.serviceId ? eq(releases.serviceId, s.serviceId) : undefined,
        lt(releases.createdAt, s.to),
        gte(releases.updatedAt, s.from),
        s.environmentId ? sql`exists (select 1 from ${rollouts} where ${rollouts.releaseId} = ${releases.id} and ${rollouts.environmentId} = ${s.environmentId})` : undefined,
      ),
    )
    .orderBy(asc(releases.id))
    .all();
}

/** These rollouts in full (plan, strategy), with their stored facts when there are. */
export const rolloutsWithFacts = (db: Executor, by: { ids: readonly number[] } | { releaseIds: readonly number[] }) => {
  const ids = "ids" in by ? by.ids : by.releaseIds;
  if (ids.length === 0) return [];
  return db
    .select({ rollout: rollouts, facts: rolloutTimeFacts })
    .from(rollouts)
    .leftJoin(rolloutTimeFacts, eq(rolloutTimeFacts.rolloutId, rollouts.id))
    .where(inIds("ids" in by ? rollouts.id : rollouts.releaseId, ids))
    .orderBy(asc(rollouts.id))
    .all();
};

/** Incidents touching the range: mitigated in it, or linked to one of `rolloutIds` / `releaseIds`. */
export function incidentsIn(db: Executor, s: InsightsScope, rolloutIds: readonly number[], releaseIds: readonly number[]) {
  return db
    .select({
      id: incidents.id,
      serviceId: incidents.serviceId,
      environmentId: incidents.environmentId,
      rolloutId: incidents.rolloutId,
      releaseId: incidents.releaseId,
      openedAt: incidents.openedAt,
      detectedAt: incidents.detectedAt,
      mitigatedAt: incidents.mitigatedAt,
      resolvedAt: incidents.resolvedAt,
    })
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
        rolloutIds.length ? inIds(incidents.rolloutId, rolloutIds) : undefined,
        releaseIds.length ? inIds(incidents.releaseId, releaseIds) : undefined,
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
    .where(and(eq(auditEvents.subjectType, subjectType), inIds(auditEvents.subjectId, ids.map(String)), inArray(auditEvents.action, [...actions])))
    .all()
    .sort((a, b) => a.id - b.id);
}

export const insertRolloutTimeFacts = (db: Executor, v: typeof rolloutTimeFacts.$inferInsert) => db.insert(rolloutTimeFacts).values(v).onConflictDoNothing().run();
export const insertReleaseTimeFacts = (db: Executor, v: typeof releaseTimeFacts.$inferInsert) => db.insert(releaseTimeFacts).values(v).onConflictDoNothing().run();

/** Finished rollouts without stored facts (from before facts were stored), a batch at a time. */
export const finishedRolloutsWithoutFacts = (db: Executor, limit: number) =>
  db
    .select({ rollout: rollouts })
    .from(rollouts)
    .leftJoin(rolloutTimeFacts, eq(rolloutTimeFacts.rolloutId, rollouts.id))
    .where(and(isNotNull(rollouts.finishedAt), isNull(rolloutTimeFacts.rolloutId)))
    .orderBy(asc(rollouts.id))
    .limit(limit)
    .all()
    .map((r) => r.rollout);

/** Ended releases without stored facts, a batch at a time. */
export const endedReleasesWithoutFacts = (db: Executor, limit: number) =>
  db
    .select({ release: releases })
    .from(releases)
    .leftJoin(releaseTimeFacts, eq(releaseTimeFacts.releaseId, releases.id))
    .where(and(inArray(releases.status, ENDED_RELEASE), isNull(releaseTimeFacts.releaseId)))
    .orderBy(asc(releases.id))
    .limit(limit)
    .all()
    .map((r) => r.release);

