import { and, eq, isNull } from "drizzle-orm";
import type { Executor } from "@/db/connection";
import { environments, rollbackRequests, services, users } from "@/db/schema";

export type RollbackRequestRow = typeof rollbackRequests.$inferSelect;

export const insertRollbackRequest = (db: Executor, v: typeof rollbackRequests.$inferInsert): RollbackRequestRow => db.insert(rollbackRequests).values(v).returning().get();

export const findRollbackRequest = (db: Executor, id: number) => db.select().from(rollbackRequests).where(eq(rollbackRequests.id, id)).get();

/** One rollback request with the names its resource shows (service, environment, who created it). */
export const findRollbackRequestWithNames = (db: Executor, id: number) =>
  db
    .select({ request: rollbackRequests, service: services.name, environment: environments.name, createdByEmail: users.email })
    .from(rollbackRequests)
    .innerJoin(services, eq(services.id, rollbackRequests.serviceId))
    .innerJoin(environments, eq(environments.id, rollbackRequests.environmentId))
    .innerJoin(users, eq(users.id, rollbackRequests.createdBy))
    .where(eq(rollbackRequests.id, id))
    .get();

/** Stamps the execution; false when it was executed already (a request runs once). */
export function markRollbackRequestExecuted(db: Executor, id: number, v: { executedAt: number; executedBy: number; rolloutId: number }): boolean {
  return db.update(rollbackRequests).set(v).where(and(eq(rollbackRequests.id, id), isNull(rollbackRequests.executedAt))).run().changes === 1;
}
