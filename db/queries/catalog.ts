import { and, asc, eq } from "drizzle-orm";
import type { Executor } from "../connection";
import { environments, releases, serviceEnvironmentState, services } from "../schema";

export type ServiceRow = typeof services.$inferSelect;
export type EnvironmentRow = typeof environments.$inferSelect;

export const listServices = (db: Executor) => db.select().from(services).orderBy(asc(services.name)).all();
export const findService = (db: Executor, id: number) => db.select().from(services).where(eq(services.id, id)).get();
export const findServiceByName = (db: Executor, name: string) =>
  db.select().from(services).where(eq(services.name, name)).get();

export function insertService(db: Executor, v: typeof services.$inferInsert): ServiceRow {
  return db.insert(services).values(v).returning().get();
}

/** Optimistic update: returns the new row, or undefined when id/rowVersion no longer match. */
export function updateService(
  db: Executor,
  id: number,
  rowVersion: number,
  v: Pick<ServiceRow, "name" | "description" | "owner" | "deployTarget" | "updatedAt"> & Partial<Pick<ServiceRow, "migrations">>,
): ServiceRow | undefined {
  return db
    .update(services)
    .set({ ...v, rowVersion: rowVersion + 1 })
    .where(and(eq(services.id, id), eq(services.rowVersion, rowVersion)))
    .returning()
    .get();
}

export function deleteService(db: Executor, id: number, rowVersion: number): boolean {
  return db.delete(services).where(and(eq(services.id, id), eq(services.rowVersion, rowVersion))).run().changes > 0;
}

export const serviceHasReleases = (db: Executor, serviceId: number) =>
  db.select({ id: releases.id }).from(releases).where(eq(releases.serviceId, serviceId)).limit(1).get() !== undefined;

export const listEnvironments = (db: Executor) =>
  db.select().from(environments).orderBy(asc(environments.sortOrder), asc(environments.name)).all();
export const findEnvironment = (db: Executor, id: number) =>
  db.select().from(environments).where(eq(environments.id, id)).get();
export const findEnvironmentByName = (db: Executor, name: string) =>
  db.select().from(environments).where(eq(environments.name, name)).get();

export function insertEnvironment(db: Executor, v: typeof environments.$inferInsert): EnvironmentRow {
  return db.insert(environments).values(v).returning().get();
}

export function updateEnvironment(
  db: Executor,
  id: number,
  rowVersion: number,
  v: Pick<EnvironmentRow, "name" | "description" | "production" | "sortOrder">,
): EnvironmentRow | undefined {
  return db
    .update(environments)
    .set({ ...v, rowVersion: rowVersion + 1 })
    .where(and(eq(environments.id, id), eq(environments.rowVersion, rowVersion)))
    .returning()
    .get();
}

export function deleteEnvironment(db: Executor, id: number, rowVersion: number): boolean {
  return (
    db
      .delete(environments)
      .where(and(eq(environments.id, id), eq(environments.rowVersion, rowVersion)))
      .run().changes > 0
  );
}

/** What runs where: one row per service and environment that has state. */
export const listServiceEnvironmentState = (db: Executor) => db.select().from(serviceEnvironmentState).all();
