import { and, asc, desc, eq, ne } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import type { Executor } from "../connection";
import { environments, incidentTimeline, incidents, services, users } from "../schema";

export type IncidentRow = typeof incidents.$inferSelect;
export type IncidentTimelineRow = typeof incidentTimeline.$inferSelect;

export const findIncident = (db: Executor, id: number) => db.select().from(incidents).where(eq(incidents.id, id)).get();

export const incidentOfRollout = (db: Executor, rolloutId: number) => db.select().from(incidents).where(eq(incidents.rolloutId, rolloutId)).get();

export function insertIncident(db: Executor, v: typeof incidents.$inferInsert): IncidentRow {
  return db.insert(incidents).values(v).returning().get();
}

/** Optimistic update; undefined when the incident changed meanwhile. */
export function updateIncident(db: Executor, id: number, rowVersion: number, v: Partial<Omit<IncidentRow, "id" | "rowVersion">>): IncidentRow | undefined {
  return db
    .update(incidents)
    .set({ ...v, rowVersion: rowVersion + 1 })
    .where(and(eq(incidents.id, id), eq(incidents.rowVersion, rowVersion)))
    .returning()
    .get();
}

export function insertTimelineEntries(db: Executor, rows: (typeof incidentTimeline.$inferInsert)[]): void {
  if (rows.length) db.insert(incidentTimeline).values(rows).run();
}

/** The timeline in the order it was recorded (a rollback's entries come in at the incident's opening, in audit order). */
export const timelineOf = (db: Executor, incidentId: number): IncidentTimelineRow[] =>
  db.select().from(incidentTimeline).where(eq(incidentTimeline.incidentId, incidentId)).orderBy(asc(incidentTimeline.id)).all();

const commanders = alias(users, "commanders");

/** Incidents with their service, environment and commander names, newest first; `open` leaves out resolved ones. */
export function listIncidents(db: Executor, opts: { open?: boolean; limit?: number } = {}) {
  return db
    .select({ incident: incidents, service: services.name, environment: environments.name, commander: commanders.name })
    .from(incidents)
    .leftJoin(services, eq(services.id, incidents.serviceId))
    .leftJoin(environments, eq(environments.id, incidents.environmentId))
    .leftJoin(commanders, eq(commanders.id, incidents.commanderId))
    .where(opts.open ? ne(incidents.status, "resolved") : undefined)
    .orderBy(desc(incidents.id))
    .limit(opts.limit ?? 100)
    .all();
}

/** Unresolved incidents, oldest first (the worker's SLA check). */
export const openIncidents = (db: Executor): IncidentRow[] => db.select().from(incidents).where(ne(incidents.status, "resolved")).orderBy(asc(incidents.id)).all();
