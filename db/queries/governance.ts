import { and, asc, desc, eq, gt, inArray, isNull, lt } from "drizzle-orm";
import type { Executor } from "../connection";
import { calendarWindows, environments, healthProbes, migrationRuns, overrides, preflightItems, probeResults, securityGate, users, validationGates, validations } from "../schema";

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

export type ProbeRow = typeof healthProbes.$inferSelect;
export type ProbeResultRow = typeof probeResults.$inferSelect;
export type ValidationRow = typeof validations.$inferSelect;

export const listProbes = (db: Executor) => db.select().from(healthProbes).orderBy(asc(healthProbes.environmentId), asc(healthProbes.name)).all();
export const findProbe = (db: Executor, id: number) => db.select().from(healthProbes).where(eq(healthProbes.id, id)).get();
export const insertProbe = (db: Executor, v: typeof healthProbes.$inferInsert): ProbeRow => db.insert(healthProbes).values(v).returning().get();
export const deleteProbe = (db: Executor, id: number) => db.delete(healthProbes).where(eq(healthProbes.id, id)).run().changes > 0;

export function insertProbeResults(db: Executor, rows: (typeof probeResults.$inferInsert)[]) {
  if (rows.length) db.insert(probeResults).values(rows).run();
}

/** The newest results of one probe, newest first (history and health class). */
export const latestProbeResults = (db: Executor, probeId: number, limit = 20) =>
  db.select().from(probeResults).where(eq(probeResults.probeId, probeId)).orderBy(desc(probeResults.at), desc(probeResults.id)).limit(limit).all();

export const purgeProbeResults = (db: Executor, before: number) => db.delete(probeResults).where(lt(probeResults.at, before)).run().changes;

export const insertValidation = (db: Executor, v: typeof validations.$inferInsert): ValidationRow => db.insert(validations).values(v).returning().get();
export const findValidation = (db: Executor, id: number) => db.select().from(validations).where(eq(validations.id, id)).get();

/** The latest validation of a release in an environment. */
export const latestValidation = (db: Executor, releaseId: number, environmentId: number) =>
  db.select().from(validations).where(and(eq(validations.releaseId, releaseId), eq(validations.environmentId, environmentId))).orderBy(desc(validations.id)).limit(1).get();

export const validationsOf = (db: Executor, releaseId: number) => db.select().from(validations).where(eq(validations.releaseId, releaseId)).orderBy(desc(validations.id)).all();

export function setValidationStatus(db: Executor, id: number, v: Pick<ValidationRow, "status" | "finishedAt">) {
  db.update(validations).set(v).where(eq(validations.id, id)).run();
}

export const insertValidationGates = (db: Executor, rows: (typeof validationGates.$inferInsert)[]) => {
  if (rows.length) db.insert(validationGates).values(rows).run();
};

export const gatesOf = (db: Executor, validationIds: number[]) =>
  validationIds.length ? db.select().from(validationGates).where(inArray(validationGates.validationId, validationIds)).orderBy(asc(validationGates.id)).all() : [];

export function setGateResult(db: Executor, id: number, v: { status: "running" | "passed" | "failed"; detail: string | null }) {
  db.update(validationGates).set(v).where(eq(validationGates.id, id)).run();
}
