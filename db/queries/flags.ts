import { and, asc, eq } from "drizzle-orm";
import type { Executor } from "../connection";
import { environments, featureFlags, services } from "../schema";

export type FlagRow = typeof featureFlags.$inferSelect;

/** Every flag by key, with the names of its binding (the Flags page). */
export const listFlags = (db: Executor) =>
  db
    .select({ flag: featureFlags, service: services.name, environment: environments.name })
    .from(featureFlags)
    .leftJoin(services, eq(services.id, featureFlags.serviceId))
    .leftJoin(environments, eq(environments.id, featureFlags.environmentId))
    .orderBy(asc(featureFlags.key))
    .all();

/** What the served flagd definition needs, by key. */
export const flagStates = (db: Executor) =>
  db
    .select({ key: featureFlags.key, enabled: featureFlags.enabled, rolloutPercentage: featureFlags.rolloutPercentage })
    .from(featureFlags)
    .orderBy(asc(featureFlags.key))
    .all();

export const findFlag = (db: Executor, id: number) => db.select().from(featureFlags).where(eq(featureFlags.id, id)).get();
export const findFlagByKey = (db: Executor, key: string) => db.select().from(featureFlags).where(eq(featureFlags.key, key)).get();

/** Flags bound to this service in this environment (what its rollouts drive). */
export const boundFlags = (db: Executor, serviceId: number, environmentId: number) =>
  db
    .select()
    .from(featureFlags)
    .where(and(eq(featureFlags.serviceId, serviceId), eq(featureFlags.environmentId, environmentId)))
    .orderBy(asc(featureFlags.id))
    .all();

export const insertFlag = (db: Executor, v: typeof featureFlags.$inferInsert): FlagRow => db.insert(featureFlags).values(v).returning().get();

/** Optimistic update (DESIGN rule 7): undefined when the flag changed since `rowVersion`. */
export function updateFlag(
  db: Executor,
  id: number,
  rowVersion: number,
  v: Partial<Pick<FlagRow, "description" | "enabled" | "rolloutPercentage" | "serviceId" | "environmentId" | "lastRolloutId" | "externalUrl" | "externalBody">> & { updatedAt: number },
): FlagRow | undefined {
  return db
    .update(featureFlags)
    .set({ ...v, rowVersion: rowVersion + 1 })
    .where(and(eq(featureFlags.id, id), eq(featureFlags.rowVersion, rowVersion)))
    .returning()
    .get();
}
