import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Append-only, hash-chained audit log (REQUIREMENTS M1, M2). Triggers created in a custom
 * migration reject UPDATE and DELETE; `hash` covers `prev_hash` and every other column.
 * actor_id is deliberately not a foreign key: the record must outlive the account.
 */
export const auditEvents = sqliteTable(
  "audit_events",
  {
    id: integer("id").primaryKey(),
    createdAt: integer("created_at").notNull(),
    actorId: integer("actor_id"),
    /** Human-readable actor (email, or "system"/"worker"). */
    actorLabel: text("actor_label").notNull(),
    /** JSON array of the roles the actor acted under. */
    roles: text("roles").notNull(),
    action: text("action").notNull(),
    subjectType: text("subject_type"),
    subjectId: text("subject_id"),
    environment: text("environment"),
    /** Canonical JSON (sorted keys) of the event details. */
    details: text("details").notNull(),
    requestId: text("request_id"),
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull(),
  },
  (t) => [
    index("audit_action").on(t.action, t.id),
    index("audit_actor").on(t.actorLabel, t.id),
    index("audit_environment").on(t.environment, t.id),
    index("audit_subject").on(t.subjectType, t.subjectId, t.id),
    // Insights (issue 14): a subject's events of given actions, without reading its other events.
    index("audit_subject_action").on(t.subjectType, t.subjectId, t.action),
    index("audit_created").on(t.createdAt),
  ],
);

/** Results of full chain verifications run by the worker; the Audit badge builds on the latest. */
export const auditChecks = sqliteTable("audit_checks", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  at: integer("at").notNull(),
  checked: integer("checked").notNull(),
  lastId: integer("last_id").notNull(),
  lastHash: text("last_hash").notNull(),
  intact: integer("intact", { mode: "boolean" }).notNull(),
  brokenId: integer("broken_id"),
  reason: text("reason"),
  millis: integer("millis").notNull(),
});

/**
 * Mirror of the signed checkpoints kept in the append-only file outside the database (M2): a
 * checkpoint file cut short, or swapped for an older copy, is named by comparing the two.
 */
export const auditCheckpoints = sqliteTable("audit_checkpoints", {
  seq: integer("seq").primaryKey(),
  eventId: integer("event_id").notNull(),
  hash: text("hash").notNull(),
  at: integer("at").notNull(),
  /** sha256 of the checkpoint's line in the file (what the next checkpoint names as `prev`). */
  lineHash: text("line_hash").notNull(),
});
