import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { users } from "./auth";

export const environments = sqliteTable(
  "environments",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    /** Production-class environments get approvals, the security gate and freezes. */
    production: integer("production", { mode: "boolean" }).notNull().default(false),
    sortOrder: integer("sort_order").notNull().default(0),
    createdAt: integer("created_at").notNull(),
    rowVersion: integer("row_version").notNull().default(1),
  },
  (t) => [uniqueIndex("environments_name_unique").on(t.name)],
);

export const services = sqliteTable(
  "services",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    owner: text("owner").notNull(),
    /** Validated deploy target config (driver + settings) as JSON text. */
    deployTarget: text("deploy_target").notNull(),
    /** Admin-defined migration catalog (JSON [{id, kind, description, command?}]): releases pick from it by id. */
    migrations: text("migrations").notNull().default("[]"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    rowVersion: integer("row_version").notNull().default(1),
  },
  (t) => [uniqueIndex("services_name_unique").on(t.name)],
);

/** Last known good version per service and environment (REQUIREMENTS B1, H4). */
export const serviceEnvironmentState = sqliteTable(
  "service_environment_state",
  {
    serviceId: integer("service_id")
      .notNull()
      .references(() => services.id, { onDelete: "cascade" }),
    environmentId: integer("environment_id")
      .notNull()
      .references(() => environments.id, { onDelete: "cascade" }),
    currentVersion: text("current_version"),
    lastGoodVersion: text("last_good_version"),
    lastGoodCommit: text("last_good_commit"),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.serviceId, t.environmentId] }), index("ses_env").on(t.environmentId)],
);

export const RELEASE_STATUSES = [
  "draft",
  "preflight",
  "staging_deploy",
  "staging_soak",
  "production_approval",
  "production_rollout",
  "monitoring",
  "completed",
  "aborted",
  "rolled_back",
] as const;

export const releases = sqliteTable(
  "releases",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    serviceId: integer("service_id")
      .notNull()
      .references(() => services.id),
    version: text("version").notNull(),
    commitSha: text("commit_sha").notNull(),
    changeLog: text("change_log").notNull(),
    rollbackPlan: text("rollback_plan").notNull(),
    /** JSON: [{ id, kind: "expand" | "contract", description }] picked from the service's catalog; never a command. */
    migrations: text("migrations").notNull().default("[]"),
    /** JSON strategy config; validated by the deploy engine. */
    strategy: text("strategy").notNull(),
    hotfix: integer("hotfix", { mode: "boolean" }).notNull().default(false),
    /** A hotfix for a SEV-1 incident: the only kind that may pass a freeze (F1). */
    sev1: integer("sev1", { mode: "boolean" }).notNull().default(false),
    /** Minimum staging soak (B3: 24 h recommended, 15 min for hotfixes). */
    soakMinutes: integer("soak_minutes").notNull().default(1440),
    /** Monitoring window after the production rollout (15 min / 1 h / 24 h). */
    monitoringMinutes: integer("monitoring_minutes").notNull().default(60),
    /** JSON [{serviceId, timeoutMinutes}]: the deployments this release rolls out together (G5), its own service first. */
    deploymentPlan: text("deployment_plan").notNull().default("[]"),
    phaseEnteredAt: integer("phase_entered_at").notNull().default(0),
    postmortemDueAt: integer("postmortem_due_at"),
    mergeBackReminder: text("merge_back_reminder"),
    status: text("status", { enum: RELEASE_STATUSES }).notNull().default("draft"),
    createdBy: integer("created_by")
      .notNull()
      .references(() => users.id),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    rowVersion: integer("row_version").notNull().default(1),
  },
  (t) => [index("releases_service").on(t.serviceId, t.createdAt), index("releases_status").on(t.status)],
);

export const deployments = sqliteTable(
  "deployments",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    releaseId: integer("release_id")
      .notNull()
      .references(() => releases.id),
    environmentId: integer("environment_id")
      .notNull()
      .references(() => environments.id),
    /** Component of the service rolled out by this deployment (api, web, worker, ...). */
    component: text("component").notNull().default("main"),
    status: text("status").notNull(),
    weight: integer("weight").notNull().default(0),
    stepIndex: integer("step_index").notNull().default(0),
    startedBy: integer("started_by").references(() => users.id),
    startedAt: integer("started_at"),
    finishedAt: integer("finished_at"),
    createdAt: integer("created_at").notNull(),
    rowVersion: integer("row_version").notNull().default(1),
  },
  (t) => [index("deployments_release").on(t.releaseId)],
);

export const approvals = sqliteTable(
  "approvals",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    releaseId: integer("release_id")
      .notNull()
      .references(() => releases.id),
    /** Role the approval is required from (sentinel, service_owner, feature_owner). */
    role: text("role").notNull(),
    /** production, hotfix (governance board), smoke or migration sign-off (D1-D3). */
    kind: text("kind", { enum: ["production", "hotfix", "smoke", "migration"] }).notNull().default("production"),
    status: text("status", { enum: ["pending", "approved", "rejected", "expired", "void"] }).notNull(),
    approverId: integer("approver_id").references(() => users.id),
    comment: text("comment"),
    /** Fingerprint of what was approved; a changed release voids the approval. */
    fingerprint: text("fingerprint"),
    requestedAt: integer("requested_at").notNull(),
    decidedAt: integer("decided_at"),
    expiresAt: integer("expires_at"),
  },
  (t) => [index("approvals_pending").on(t.status, t.role, t.requestedAt), index("approvals_release").on(t.releaseId)],
);

export const jobs = sqliteTable(
  "jobs",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    kind: text("kind").notNull(),
    payload: text("payload").notNull(),
    status: text("status", { enum: ["queued", "running", "succeeded", "failed", "cancelled"] }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    runAt: integer("run_at").notNull(),
    leaseOwner: text("lease_owner"),
    leaseExpiresAt: integer("lease_expires_at"),
    /** Fencing token: bumped on every claim; a writer with an older token cannot commit. */
    leaseToken: integer("lease_token").notNull().default(0),
    heartbeatAt: integer("heartbeat_at"),
    idempotencyKey: text("idempotency_key"),
    lastError: text("last_error"),
    createdBy: integer("created_by").references(() => users.id),
    createdAt: integer("created_at").notNull(),
    finishedAt: integer("finished_at"),
  },
  (t) => [uniqueIndex("jobs_idempotency").on(t.idempotencyKey), index("jobs_claim").on(t.status, t.runAt)],
);

/** Per-second, per-variant request aggregates written by the local router (REQUIREMENTS I1). */
export const metricSamples = sqliteTable(
  "metric_samples",
  {
    serviceId: integer("service_id").notNull(),
    environmentId: integer("environment_id").notNull(),
    second: integer("second").notNull(),
    variant: text("variant", { enum: ["baseline", "canary"] }).notNull(),
    version: text("version").notNull(),
    requests: integer("requests").notNull(),
    errors5xx: integer("errors_5xx").notNull(),
    p50Ms: real("p50_ms").notNull(),
    p95Ms: real("p95_ms").notNull(),
    p99Ms: real("p99_ms").notNull(),
    meanMs: real("mean_ms").notNull(),
    /**
     * The second's latency histogram: JSON {bucket index: requests} in the log-linear scheme of
     * lib/domain/analysis/histogram.ts (null in rows written before it). Window percentiles merge these.
     */
    latencyHist: text("latency_hist"),
  },
  (t) => [primaryKey({ columns: [t.serviceId, t.environmentId, t.second, t.variant] })],
);
