import { and, asc, eq } from "drizzle-orm";
import type { Executor } from "../connection";
import { stepHooks } from "../schema";

export type StepHookRow = typeof stepHooks.$inferSelect;

/** A service's hooks, by stage then name (the settings page). */
export const listStepHooks = (db: Executor, serviceId: number) =>
  db.select().from(stepHooks).where(eq(stepHooks.serviceId, serviceId)).orderBy(asc(stepHooks.stage), asc(stepHooks.name)).all();

/** The enabled hooks of a service at one stage, in creation order (the order the worker calls them). */
export const enabledHooksAt = (db: Executor, serviceId: number, stage: StepHookRow["stage"]) =>
  db
    .select()
    .from(stepHooks)
    .where(and(eq(stepHooks.serviceId, serviceId), eq(stepHooks.stage, stage), eq(stepHooks.enabled, true)))
    .orderBy(asc(stepHooks.id))
    .all();

export const findStepHook = (db: Executor, id: number) => db.select().from(stepHooks).where(eq(stepHooks.id, id)).get();
export const findStepHookByName = (db: Executor, serviceId: number, name: string) =>
  db.select().from(stepHooks).where(and(eq(stepHooks.serviceId, serviceId), eq(stepHooks.name, name))).get();
export const insertStepHook = (db: Executor, v: typeof stepHooks.$inferInsert): StepHookRow => db.insert(stepHooks).values(v).returning().get();

/** Optimistic update (DESIGN rule 7): undefined when the hook changed since `rowVersion`. */
export function updateStepHook(
  db: Executor,
  id: number,
  rowVersion: number,
  v: Partial<Pick<StepHookRow, "name" | "stage" | "url" | "method" | "bodyTemplate" | "timeoutMs" | "retries" | "retryDelayMs" | "enabled">> & { updatedAt: number },
): StepHookRow | undefined {
  return db
    .update(stepHooks)
    .set({ ...v, rowVersion: rowVersion + 1 })
    .where(and(eq(stepHooks.id, id), eq(stepHooks.rowVersion, rowVersion)))
    .returning()
    .get();
}

export const deleteStepHook = (db: Executor, id: number) => db.delete(stepHooks).where(eq(stepHooks.id, id)).run().changes > 0;
