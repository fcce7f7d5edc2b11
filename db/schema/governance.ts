import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "./auth";
import { environments, releases } from "./catalog";

/** The security gate (REQUIREMENTS E1): one row, id 1. Mutated only under `row_version`. */
export const securityGate = sqliteTable("security_gate", {
  id: integer("id").primaryKey(),
  mode: text("mode", { enum: ["monitor", "enforce", "lockdown"] }).notNull(),
  threatLevel: text("threat_level", { enum: ["none", "low", "medium", "high", "critical"] }).notNull(),
  lockdownReason: text("lockdown_reason"),
  updatedBy: integer("updated_by").references(() => users.id),
  updatedAt: integer("updated_at").notNull(),
  rowVersion: integer("row_version").notNull().default(1),
});

/** Time-limited security-gate overrides (E3): never deleted, revoked by stamping `revoked_at`. */
export const overrides = sqliteTable(
  "overrides",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    action: text("action").notNull(),
    environmentId: integer("environment_id")
      .notNull()
      .references(() => environments.id),
    reason: text("reason").notNull(),
    createdBy: integer("created_by")
      .notNull()
      .references(() => users.id),
    ttlMinutes: integer("ttl_minutes").notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    revokedAt: integer("revoked_at"),
    revokedBy: integer("revoked_by").references(() => users.id),
  },
  (t) => [index("overrides_active").on(t.expiresAt)],
);

/** Freeze periods and maintenance windows (F1, F2); recurring ones keep only month/day/time. */
export const calendarWindows = sqliteTable("calendar_windows", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  kind: text("kind", { enum: ["freeze", "maintenance"] }).notNull(),
  name: text("name").notNull(),
  recurrence: text("recurrence", { enum: ["none", "yearly", "monthly_first_tuesday"] }).notNull(),
  startsAt: integer("starts_at").notNull(),
  endsAt: integer("ends_at").notNull(),
  createdBy: integer("created_by").references(() => users.id),
  createdAt: integer("created_at").notNull(),
});

/** One pre-flight checklist item of a release (C1), with who decided it, when and the evidence. */
export const preflightItems = sqliteTable(
  "preflight_items",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    releaseId: integer("release_id")
      .notNull()
      .references(() => releases.id),
    key: text("key").notNull(),
    label: text("label").notNull(),
    /** http / fact: checked by the worker; attestation: signed by a person holding `role`. */
    check: text("check", { enum: ["http", "fact", "attestation"] }).notNull(),
    role: text("role"),
    status: text("status", { enum: ["pending", "running", "passed", "failed"] }).notNull(),
    evidence: text("evidence"),
    decidedBy: integer("decided_by").references(() => users.id),
    decidedAt: integer("decided_at"),
  },
  (t) => [index("preflight_release").on(t.releaseId)],
);

/** Each database migration of a release as it ran (G4): expand before the rollout, contract after. */
export const migrationRuns = sqliteTable(
  "migration_runs",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    releaseId: integer("release_id")
      .notNull()
      .references(() => releases.id),
    environmentId: integer("environment_id")
      .notNull()
      .references(() => environments.id),
    migrationId: text("migration_id").notNull(),
    kind: text("kind", { enum: ["expand", "contract"] }).notNull(),
    /** The release version the migration belongs to. */
    version: text("version").notNull(),
    status: text("status", { enum: ["running", "succeeded", "failed"] }).notNull(),
    output: text("output").notNull().default(""),
    startedAt: integer("started_at").notNull(),
    finishedAt: integer("finished_at"),
  },
  (t) => [index("migration_runs_release").on(t.releaseId, t.environmentId)],
);
