import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "./auth";
import { environments, releases, services } from "./catalog";

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

/** Configured HTTP health checks per environment (C3), probed by the worker. */
export const healthProbes = sqliteTable("health_probes", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull(),
  environmentId: integer("environment_id")
    .notNull()
    .references(() => environments.id, { onDelete: "cascade" }),
  /** A fixed URL, or (when null) the health path of `serviceId`'s stable version, resolved through its driver at probe time. */
  url: text("url"),
  serviceId: integer("service_id").references(() => services.id, { onDelete: "cascade" }),
  expectStatus: integer("expect_status").notNull().default(200),
  timeoutMs: integer("timeout_ms").notNull().default(2000),
  /** Slower than this (but answering) counts as degraded. */
  degradedMs: integer("degraded_ms").notNull().default(1000),
  createdBy: integer("created_by").references(() => users.id),
  createdAt: integer("created_at").notNull(),
});

/** Every probe result, kept for the history (C3); old rows are purged by the worker. */
export const probeResults = sqliteTable(
  "probe_results",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    probeId: integer("probe_id")
      .notNull()
      .references(() => healthProbes.id, { onDelete: "cascade" }),
    at: integer("at").notNull(),
    ok: integer("ok", { mode: "boolean" }).notNull(),
    status: integer("status"),
    ms: integer("ms").notNull(),
    detail: text("detail").notNull(),
  },
  (t) => [index("probe_results_probe").on(t.probeId, t.at)],
);

/** A release validation for one environment (C2, runbook 003): its gates must all pass before deploying there. */
export const validations = sqliteTable(
  "validations",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    releaseId: integer("release_id")
      .notNull()
      .references(() => releases.id),
    environmentId: integer("environment_id")
      .notNull()
      .references(() => environments.id),
    status: text("status", { enum: ["pending", "running", "passed", "failed"] }).notNull(),
    /** Release fingerprint validated: a changed release needs a new validation. */
    fingerprint: text("fingerprint").notNull(),
    startedBy: integer("started_by").references(() => users.id),
    startedAt: integer("started_at").notNull(),
    finishedAt: integer("finished_at"),
  },
  (t) => [index("validations_release").on(t.releaseId, t.environmentId)],
);

export const validationGates = sqliteTable(
  "validation_gates",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    validationId: integer("validation_id")
      .notNull()
      .references(() => validations.id),
    key: text("key").notNull(),
    label: text("label").notNull(),
    status: text("status", { enum: ["pending", "running", "passed", "failed"] }).notNull(),
    detail: text("detail"),
  },
  (t) => [index("validation_gates_validation").on(t.validationId)],
);
