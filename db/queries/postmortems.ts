import { and, asc, desc, eq, inArray, isNull, like, lt, ne, or } from "drizzle-orm";
import type { Executor } from "../connection";
import { analysisDecisions, incidents, postmortemActionItems, postmortemOverdue, postmortems, users } from "../schema";

export type PostmortemRow = typeof postmortems.$inferSelect;
export type ActionItemRow = typeof postmortemActionItems.$inferSelect;

export const postmortemOf = (db: Executor, incidentId: number): PostmortemRow | undefined => db.select().from(postmortems).where(eq(postmortems.incidentId, incidentId)).get();

export function insertPostmortem(db: Executor, v: typeof postmortems.$inferInsert): PostmortemRow {
  return db.insert(postmortems).values(v).returning().get();
}

/** Optimistic update; undefined when the postmortem changed meanwhile. */
export function updatePostmortem(db: Executor, id: number, rowVersion: number, v: Partial<Omit<PostmortemRow, "id" | "incidentId" | "rowVersion">>): PostmortemRow | undefined {
  return db
    .update(postmortems)
    .set({ ...v, rowVersion: rowVersion + 1 })
    .where(and(eq(postmortems.id, id), eq(postmortems.rowVersion, rowVersion)))
    .returning()
    .get();
}

/** Action items in the order they were added, with their owner's name. */
export const actionItemsOf = (db: Executor, postmortemId: number) =>
  db
    .select({ item: postmortemActionItems, owner: users.name })
    .from(postmortemActionItems)
    .innerJoin(users, eq(users.id, postmortemActionItems.ownerId))
    .where(eq(postmortemActionItems.postmortemId, postmortemId))
    .orderBy(asc(postmortemActionItems.id))
    .all();

export const findActionItem = (db: Executor, id: number): ActionItemRow | undefined => db.select().from(postmortemActionItems).where(eq(postmortemActionItems.id, id)).get();

export function insertActionItem(db: Executor, v: typeof postmortemActionItems.$inferInsert): ActionItemRow {
  return db.insert(postmortemActionItems).values(v).returning().get();
}

/** Marks an open item done; undefined when it was done already. */
export function completeActionItem(db: Executor, id: number, by: number, at: number): ActionItemRow | undefined {
  return db
    .update(postmortemActionItems)
    .set({ doneAt: at, doneBy: by })
    .where(and(eq(postmortemActionItems.id, id), isNull(postmortemActionItems.doneAt)))
    .returning()
    .get();
}

/** Incidents whose postmortem was due before `now`, is not published and whose overdue is not announced yet. */
export const postmortemsNewlyOverdue = (db: Executor, now: number) =>
  db
    .select({ incident: incidents })
    .from(incidents)
    .leftJoin(postmortems, eq(postmortems.incidentId, incidents.id))
    .leftJoin(postmortemOverdue, eq(postmortemOverdue.incidentId, incidents.id))
    .where(and(lt(incidents.postmortemDueAt, now), isNull(postmortemOverdue.incidentId), or(isNull(postmortems.id), ne(postmortems.status, "published"))))
    .orderBy(asc(incidents.id))
    .all()
    .map((r) => r.incident);

export function insertOverdueNotice(db: Executor, v: typeof postmortemOverdue.$inferInsert): void {
  db.insert(postmortemOverdue).values(v).run();
}

/** Postmortem status per incident (absent: not started). */
export function postmortemStatuses(db: Executor, incidentIds: readonly number[]): Map<number, PostmortemRow["status"]> {
  if (!incidentIds.length) return new Map();
  const rows = db
    .select({ incidentId: postmortems.incidentId, status: postmortems.status })
    .from(postmortems)
    .where(inArray(postmortems.incidentId, [...incidentIds]))
    .all();
  return new Map(rows.map((r) => [r.incidentId, r.status]));
}

/** The analysis decision that rolled the rollout back, if one did. */
export const rollbackDecisionOf = (db: Executor, rolloutId: number) =>
  db
    .select()
    .from(analysisDecisions)
    .where(and(eq(analysisDecisions.rolloutId, rolloutId), like(analysisDecisions.outcome, "rollback%")))
    .orderBy(desc(analysisDecisions.id))
    .limit(1)
    .get();
