import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { users } from "./auth";
import { environments, releases, services } from "./catalog";
import { rollouts } from "./rollouts";

/**
 * An incident (REQUIREMENTS K2, L1): opened by a production rollback or by hand. Its SLA clocks
 * run from `detected_at` (else `opened_at`) by severity; a breach is stamped once per clock.
 * Mutated under `row_version`.
 */
export const incidents = sqliteTable(
  "incidents",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    title: text("title").notNull(),
    kind: text("kind", { enum: ["rollback", "security", "outage", "other"] }).notNull(),
    severity: text("severity", { enum: ["P1", "P2"] }).notNull(),
    status: text("status", { enum: ["open", "acknowledged", "mitigated", "resolved"] }).notNull(),
    summary: text("summary").notNull().default(""),
    serviceId: integer("service_id").references(() => services.id),
    environmentId: integer("environment_id").references(() => environments.id),
    /** The rollback that opened it: at most one incident per rollout. */
    rolloutId: integer("rollout_id").references(() => rollouts.id),
    releaseId: integer("release_id").references(() => releases.id),
    commanderId: integer("commander_id").references(() => users.id),
    openedBy: integer("opened_by").references(() => users.id),
    openedAt: integer("opened_at").notNull(),
    /** When the impact was detected (incident.io's "detected at"): stated on a manual incident, the analysis breach of a rollback; else opened_at. */
    detectedAt: integer("detected_at"),
    acknowledgedAt: integer("acknowledged_at"),
    mitigatedAt: integer("mitigated_at"),
    resolvedAt: integer("resolved_at"),
    ackBreachedAt: integer("ack_breached_at"),
    mitigateBreachedAt: integer("mitigate_breached_at"),
    postmortemDueAt: integer("postmortem_due_at"),
    updatedAt: integer("updated_at").notNull(),
    rowVersion: integer("row_version").notNull().default(1),
  },
  (t) => [uniqueIndex("incidents_rollout").on(t.rolloutId), index("incidents_status").on(t.status, t.openedAt)],
);

/** The incident's timeline: entries built from audit events and manual notes; append-only. */
export const incidentTimeline = sqliteTable(
  "incident_timeline",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    incidentId: integer("incident_id")
      .notNull()
      .references(() => incidents.id),
    at: integer("at").notNull(),
    kind: text("kind").notNull(),
    text: text("text").notNull(),
    /** The audit event the entry was built from (null for manual entries). */
    auditEventId: integer("audit_event_id"),
    authorId: integer("author_id").references(() => users.id),
    authorLabel: text("author_label").notNull(),
  },
  (t) => [index("incident_timeline_incident").on(t.incidentId, t.at)],
);
