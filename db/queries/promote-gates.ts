import { and, asc, desc, eq } from "drizzle-orm";
import type { Executor } from "../connection";
import { ciGateRuns, promoteGatesConfig, rolloutAttestations, rolloutCanaryMarks, rolloutGateResults, users } from "../schema";

export type PromoteGatesConfigRow = typeof promoteGatesConfig.$inferSelect;
export type CiGateRunRow = typeof ciGateRuns.$inferSelect;
export type RolloutGateResultRow = typeof rolloutGateResults.$inferSelect;
export type AttestationRow = typeof rolloutAttestations.$inferSelect;

export const findPromoteGatesConfig = (db: Executor, serviceId: number) => db.select().from(promoteGatesConfig).where(eq(promoteGatesConfig.serviceId, serviceId)).get();

/** Writes a service's gates; `rowVersion` null creates the row. False on a concurrent change. */
export function upsertPromoteGatesConfig(db: Executor, v: { serviceId: number; config: string; at: number; rowVersion: number | null }): boolean {
  if (v.rowVersion === null) {
    return db.insert(promoteGatesConfig).values({ serviceId: v.serviceId, config: v.config, updatedAt: v.at }).onConflictDoNothing().run().changes > 0;
  }
  return (
    db
      .update(promoteGatesConfig)
      .set({ config: v.config, updatedAt: v.at, rowVersion: v.rowVersion + 1 })
      .where(and(eq(promoteGatesConfig.serviceId, v.serviceId), eq(promoteGatesConfig.rowVersion, v.rowVersion)))
      .run().changes > 0
  );
}

export const insertCiGateRun = (db: Executor, v: typeof ciGateRuns.$inferInsert): CiGateRunRow => db.insert(ciGateRuns).values(v).returning().get();

/** Runbook 000's "CI gate history" of one commit of a service, newest first. */
export const ciGateHistory = (db: Executor, serviceId: number, commit: string): CiGateRunRow[] =>
  db.select().from(ciGateRuns).where(and(eq(ciGateRuns.serviceId, serviceId), eq(ciGateRuns.commit, commit))).orderBy(desc(ciGateRuns.at), desc(ciGateRuns.id)).all();

/** The latest passed CI run of a commit (a pass is kept for the commit; a failure is run again next time). */
export const passedCiRun = (db: Executor, serviceId: number, commit: string): CiGateRunRow | undefined =>
  db
    .select()
    .from(ciGateRuns)
    .where(and(eq(ciGateRuns.serviceId, serviceId), eq(ciGateRuns.commit, commit), eq(ciGateRuns.passed, true)))
    .orderBy(desc(ciGateRuns.id))
    .get();

export function saveGateResult(db: Executor, v: typeof rolloutGateResults.$inferInsert): void {
  db.insert(rolloutGateResults)
    .values(v)
    .onConflictDoUpdate({ target: [rolloutGateResults.rolloutId, rolloutGateResults.gate], set: { status: v.status, summary: v.summary, evidence: v.evidence, evaluatedAt: v.evaluatedAt } })
    .run();
}

/** The gates that are no longer configured drop off the rollout's list. */
export const deleteGateResult = (db: Executor, rolloutId: number, gate: RolloutGateResultRow["gate"]) =>
  db.delete(rolloutGateResults).where(and(eq(rolloutGateResults.rolloutId, rolloutId), eq(rolloutGateResults.gate, gate))).run();

export const gateResultsOf = (db: Executor, rolloutId: number): RolloutGateResultRow[] =>
  db.select().from(rolloutGateResults).where(eq(rolloutGateResults.rolloutId, rolloutId)).orderBy(asc(rolloutGateResults.gate)).all();

export const findCanaryMark = (db: Executor, rolloutId: number) => db.select().from(rolloutCanaryMarks).where(eq(rolloutCanaryMarks.rolloutId, rolloutId)).get();

/** The canary's start: the first mark keeps its log offsets (a retried deploy still scans from the first); the start time is the latest. */
export function saveCanaryMark(db: Executor, v: { rolloutId: number; startedAt: number; offsets: string }): void {
  db.insert(rolloutCanaryMarks).values(v).onConflictDoUpdate({ target: rolloutCanaryMarks.rolloutId, set: { startedAt: v.startedAt } }).run();
}

/** A rollout's attestation with the attester's name and email. */
export const attestationOf = (db: Executor, rolloutId: number) =>
  db
    .select({ rolloutId: rolloutAttestations.rolloutId, userId: rolloutAttestations.userId, role: rolloutAttestations.role, items: rolloutAttestations.items, note: rolloutAttestations.note, at: rolloutAttestations.at, name: users.name, email: users.email })
    .from(rolloutAttestations)
    .innerJoin(users, eq(users.id, rolloutAttestations.userId))
    .where(eq(rolloutAttestations.rolloutId, rolloutId))
    .get();

/** False when the rollout is attested already (one attestation per rollout). */
export const insertAttestation = (db: Executor, v: typeof rolloutAttestations.$inferInsert): boolean => db.insert(rolloutAttestations).values(v).onConflictDoNothing().run().changes > 0;
