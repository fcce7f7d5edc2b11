import { and, asc, desc, eq, gt, isNull } from "drizzle-orm";
import type { Executor } from "../connection";
import { calendarWindows, environments, migrationRuns, overrides, preflightItems, securityGate, users } from "../schema";

export type GateRow = typeof securityGate.$inferSelect;
export type OverrideRow = typeof overrides.$inferSelect;
export type WindowRow = typeof calendarWindows.$inferSelect;
export type PreflightItemRow = typeof preflightItems.$inferSelect;
export type MigrationRunRow = typeof migrationRuns.$inferSelect;

/** The gate's single row (created by migration 0006). */
export const readGate = (db: Executor): GateRow => db.select().from(securityGate).where(eq(securityGate.id, 1)).get()!;

/** Optimistic update of the gate; undefined when it changed meanwhile. */
export function updateGate(db: Executor, rowVersion: number, v: Pick<GateRow, "mode" | "threatLevel" | "lockdownReason" | "updatedBy" | "updatedAt">) {
  return db
    .update(securityGate)
    .set({ ...v, rowVersion: rowVersion + 1 })
    .where(and(eq(securityGate.id, 1), eq(securityGate.rowVersion, rowVersion)))
    .returning()
    .get();
}

/** Overrides not revoked that expire after `expiringAfter`, with their environment's name (what policy reads). */
export const liveOverrides = (db: Executor, expiringAfter: number) =>
  db
    .select({ override: overrides, environment: environments.name, createdByEmail: users.email })
    .from(overrides)
    .innerJoin(environments, eq(environments.id, overrides.environmentId))
    .innerJoin(users, eq(users.id, overrides.createdBy))
    .where(and(isNull(overrides.revokedAt), gt(overrides.expiresAt, expiringAfter)))
    .orderBy(asc(overrides.expiresAt))
    .all();

/**
 * Overrides that expire after `expiringAfter`, revoked ones included (what policy reads): a lapsed
 * override must reach it so a running rollout can be told "was revoked" / "expired" (E3).
 */
export const policyOverrides = (db: Executor, expiringAfter: number) =>
  db
    .select({ override: overrides, environment: environments.name })
    .from(overrides)
    .innerJoin(environments, eq(environments.id, overrides.environmentId))
    .where(gt(overrides.expiresAt, expiringAfter))
    .orderBy(asc(overrides.expiresAt))
    .all();

/** Recent overrides of any state, newest first (the security page's history). */
export const recentOverrides = (db: Executor, limit = 50) =>
  db
    .select({ override: overrides, environment: environments.name, createdByEmail: users.email })
    .from(overrides)
    .innerJoin(environments, eq(environments.id, overrides.environmentId))
    .innerJoin(users, eq(users.id, overrides.createdBy))
    .orderBy(desc(overrides.id))
    .limit(limit)
    .all();

export const findOverride = (db: Executor, id: number) => db.select().from(overrides).where(eq(overrides.id, id)).get();

export const insertOverride = (db: Executor, v: typeof overrides.$inferInsert): OverrideRow => db.insert(overrides).values(v).returning().get();

/** Stamps the revocation; false when it was already revoked. */
export function revokeOverride(db: Executor, id: number, by: number, at: number): boolean {
  return (
    db
      .update(overrides)
      .set({ revokedAt: at, revokedBy: by })
      .where(and(eq(overrides.id, id), isNull(overrides.revokedAt)))
      .run().changes > 0
  );
}

export const listWindows = (db: Executor) => db.select().from(calendarWindows).orderBy(asc(calendarWindows.kind), asc(calendarWindows.startsAt)).all();
export const findWindow = (db: Executor, id: number) => db.select().from(calendarWindows).where(eq(calendarWindows.id, id)).get();
export const insertWindow = (db: Executor, v: typeof calendarWindows.$inferInsert): WindowRow => db.insert(calendarWindows).values(v).returning().get();
export const deleteWindow = (db: Executor, id: number) => db.delete(calendarWindows).where(eq(calendarWindows.id, id)).run().changes > 0;

export const preflightOf = (db: Executor, releaseId: number) =>
  db.select().from(preflightItems).where(eq(preflightItems.releaseId, releaseId)).orderBy(asc(preflightItems.id)).all();

export const findPreflightItem = (db: Executor, id: number) => db.select().from(preflightItems).where(eq(preflightItems.id, id)).get();

export const insertPreflightItems = (db: Executor, rows: (typeof preflightItems.$inferInsert)[]) => {
  if (rows.length) db.insert(preflightItems).values(rows).run();
};

export function setPreflightResult(db: Executor, id: number, v: Pick<PreflightItemRow, "status" | "evidence" | "decidedBy" | "decidedAt">) {
  db.update(preflightItems).set(v).where(eq(preflightItems.id, id)).run();
}

export const migrationRunsOf = (db: Executor, releaseId: number) =>
  db.select().from(migrationRuns).where(eq(migrationRuns.releaseId, releaseId)).orderBy(asc(migrationRuns.id)).all();

export const insertMigrationRun = (db: Executor, v: typeof migrationRuns.$inferInsert): MigrationRunRow => db.insert(migrationRuns).values(v).returning().get();

export function finishMigrationRun(db: Executor, id: number, v: Pick<MigrationRunRow, "status" | "output" | "finishedAt">) {
  db.update(migrationRuns).set(v).where(eq(migrationRuns.id, id)).run();
}
