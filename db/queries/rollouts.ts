import { and, asc, desc, eq, gt, inArray, isNotNull, lt, notInArray } from "drizzle-orm";
import type { Executor } from "../connection";
import { environments, rolloutLog, rollouts, serviceEnvironmentState, services } from "../schema";

export type RolloutRow = typeof rollouts.$inferSelect;

export const findRollout = (db: Executor, id: number) => db.select().from(rollouts).where(eq(rollouts.id, id)).get();

export const findRolloutByKey = (db: Executor, key: string) =>
  db.select().from(rollouts).where(eq(rollouts.idempotencyKey, key)).get();

export function insertRollout(db: Executor, v: typeof rollouts.$inferInsert): RolloutRow {
  return db.insert(rollouts).values(v).returning().get();
}

/** Optimistic write of the machine state; undefined when someone else changed the row first. */
export function updateRolloutState(
  db: Executor,
  id: number,
  rowVersion: number,
  v: Pick<RolloutRow, "status" | "stepIndex" | "phase" | "weight" | "holdEndsAt" | "holdRemainingMs" | "reason" | "failedDuring" | "updatedAt" | "finishedAt">,
): RolloutRow | undefined {
  return db
    .update(rollouts)
    .set({ ...v, rowVersion: rowVersion + 1 })
    .where(and(eq(rollouts.id, id), eq(rollouts.rowVersion, rowVersion)))
    .returning()
    .get();
}

const LIVE = ["pending", "running", "paused", "failed", "rolling_back"];

/** The live rollout of a service in an environment (at most one runs at a time). */
export const liveRolloutFor = (db: Executor, serviceId: number, environmentId: number) =>
  db
    .select()
    .from(rollouts)
    .where(and(eq(rollouts.serviceId, serviceId), eq(rollouts.environmentId, environmentId), inArray(rollouts.status, LIVE)))
    .get();

export function listRollouts(db: Executor, opts: { live?: boolean; limit?: number } = {}) {
  return db
    .select({ rollout: rollouts, service: services.name, environment: environments.name })
    .from(rollouts)
    .innerJoin(services, eq(services.id, rollouts.serviceId))
    .innerJoin(environments, eq(environments.id, rollouts.environmentId))
    .where(opts.live ? inArray(rollouts.status, LIVE) : opts.live === false ? notInArray(rollouts.status, LIVE) : undefined)
    .orderBy(desc(rollouts.id))
    .limit(opts.limit ?? 50)
    .all();
}

/** One page of rollouts, newest first, strictly older than `beforeId` (the API's cursor), with their names. */
export function pageRollouts(db: Executor, opts: { environment?: string; status?: string; beforeId?: number; limit: number }) {
  return db
    .select({ rollout: rollouts, service: services.name, environment: environments.name })
    .from(rollouts)
    .innerJoin(services, eq(services.id, rollouts.serviceId))
    .innerJoin(environments, eq(environments.id, rollouts.environmentId))
    .where(
      and(
        opts.environment !== undefined ? eq(environments.name, opts.environment) : undefined,
        opts.status !== undefined ? eq(rollouts.status, opts.status) : undefined,
        opts.beforeId !== undefined ? lt(rollouts.id, opts.beforeId) : undefined,
      ),
    )
    .orderBy(desc(rollouts.id))
    .limit(opts.limit)
    .all();
}

/** The newest rollouts of a service that had a baseline (a previous version) to compare with, with their environment. */
export const recentRolloutsWithBaseline = (db: Executor, serviceId: number, limit: number) =>
  db
    .select({ rollout: rollouts, environment: environments.name })
    .from(rollouts)
    .innerJoin(environments, eq(environments.id, rollouts.environmentId))
    .where(and(eq(rollouts.serviceId, serviceId), isNotNull(rollouts.fromVersion)))
    .orderBy(desc(rollouts.id))
    .limit(limit)
    .all();

export function appendRolloutLog(db: Executor, v: { rolloutId: number; at: number; level: "info" | "warn" | "error"; message: string }) {
  db.insert(rolloutLog).values(v).run();
}

export const rolloutLogSince = (db: Executor, rolloutId: number, afterId: number, limit = 500) =>
  db
    .select()
    .from(rolloutLog)
    .where(and(eq(rolloutLog.rolloutId, rolloutId), gt(rolloutLog.id, afterId)))
    .orderBy(asc(rolloutLog.id))
    .limit(limit)
    .all();

export const serviceEnvState = (db: Executor, serviceId: number, environmentId: number) =>
  db
    .select()
    .from(serviceEnvironmentState)
    .where(and(eq(serviceEnvironmentState.serviceId, serviceId), eq(serviceEnvironmentState.environmentId, environmentId)))
    .get();

/** Records what now runs, and (after a completed rollout) the last known good version (H4). */
export function upsertServiceEnvState(
  db: Executor,
  v: { serviceId: number; environmentId: number; currentVersion: string; lastGoodVersion?: string; at: number },
) {
  db.insert(serviceEnvironmentState)
    .values({ serviceId: v.serviceId, environmentId: v.environmentId, currentVersion: v.currentVersion, lastGoodVersion: v.lastGoodVersion ?? null, updatedAt: v.at })
    .onConflictDoUpdate({
      target: [serviceEnvironmentState.serviceId, serviceEnvironmentState.environmentId],
      set: { currentVersion: v.currentVersion, ...(v.lastGoodVersion ? { lastGoodVersion: v.lastGoodVersion } : {}), updatedAt: v.at },
    })
    .run();
}

/** The newest rollout of a service in an environment that completed (what put the current version there). */
export const lastSucceededRollout = (db: Executor, serviceId: number, environmentId: number) =>
  db
    .select()
    .from(rollouts)
    .where(and(eq(rollouts.serviceId, serviceId), eq(rollouts.environmentId, environmentId), eq(rollouts.status, "succeeded")))
    .orderBy(desc(rollouts.id))
    .limit(1)
    .get();
