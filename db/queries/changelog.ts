import { and, asc, desc, eq, lt } from "drizzle-orm";
import type { Executor } from "../connection";
import { auditEvents, environments, releaseChangelog, releases, rolloutVerifications, rollouts } from "../schema";

export type ChangelogRow = typeof releaseChangelog.$inferSelect;
export type VerificationRow = typeof rolloutVerifications.$inferSelect;

/** One change-log entry per rollout, kind and release: a replayed event writes nothing twice. */
export function insertChangelogEntry(db: Executor, v: typeof releaseChangelog.$inferInsert): void {
  db.insert(releaseChangelog).values(v).onConflictDoNothing().run();
}

/** A release's change log, oldest first, with the environment's name. */
export const changelogOfRelease = (db: Executor, releaseId: number) =>
  db
    .select({ entry: releaseChangelog, environment: environments.name })
    .from(releaseChangelog)
    .innerJoin(environments, eq(environments.id, releaseChangelog.environmentId))
    .where(eq(releaseChangelog.releaseId, releaseId))
    .orderBy(asc(releaseChangelog.id))
    .all();

/** The last succeeded rollout that put `version` in place in a service+environment before rollout `beforeId`. */
export const originalDeployOf = (db: Executor, v: { serviceId: number; environmentId: number; version: string; beforeId: number }) =>
  db
    .select()
    .from(rollouts)
    .where(
      and(
        eq(rollouts.serviceId, v.serviceId),
        eq(rollouts.environmentId, v.environmentId),
        eq(rollouts.toVersion, v.version),
        eq(rollouts.status, "succeeded"),
        lt(rollouts.id, v.beforeId),
      ),
    )
    .orderBy(desc(rollouts.id))
    .limit(1)
    .get();

/** The newest release of a service with this version (a rollout started by hand names no release). */
export const releaseOfVersion = (db: Executor, serviceId: number, version: string) =>
  db
    .select()
    .from(releases)
    .where(and(eq(releases.serviceId, serviceId), eq(releases.version, version)))
    .orderBy(desc(releases.id))
    .limit(1)
    .get();

/** Whether a rollout was started as a rollback (executeRollback's redeploy: its start event says rollback: true). */
export function startedAsRollback(db: Executor, rolloutId: number): boolean {
  const start = db
    .select({ details: auditEvents.details })
    .from(auditEvents)
    .where(and(eq(auditEvents.subjectType, "rollout"), eq(auditEvents.subjectId, String(rolloutId)), eq(auditEvents.action, "rollout.start")))
    .orderBy(asc(auditEvents.id))
    .limit(1)
    .get();
  if (!start) return false;
  return (JSON.parse(start.details) as { rollback?: unknown }).rollback === true;
}

export function insertVerification(db: Executor, v: typeof rolloutVerifications.$inferInsert): VerificationRow | undefined {
  return db.insert(rolloutVerifications).values(v).onConflictDoNothing().returning().get();
}

export const verificationOf = (db: Executor, rolloutId: number): VerificationRow | undefined =>
  db.select().from(rolloutVerifications).where(eq(rolloutVerifications.rolloutId, rolloutId)).get();

/** Optimistic update; undefined when the verification changed meanwhile. */
export function updateVerification(db: Executor, id: number, rowVersion: number, v: Partial<Omit<VerificationRow, "id" | "rowVersion" | "rolloutId">>): VerificationRow | undefined {
  return db
    .update(rolloutVerifications)
    .set({ ...v, rowVersion: rowVersion + 1 })
    .where(and(eq(rolloutVerifications.id, id), eq(rolloutVerifications.rowVersion, rowVersion)))
    .returning()
    .get();
}
