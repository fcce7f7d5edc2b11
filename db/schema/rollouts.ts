import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { users } from "./auth";
import { environments, releases, services } from "./catalog";

/**
 * One rollout of a version of a service into an environment, with the rollout machine's state
 * stored column by column (lib/domain/rollout/machine.ts). Mutated only under `row_version`.
 */
export const rollouts = sqliteTable(
  "rollouts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    serviceId: integer("service_id")
      .notNull()
      .references(() => services.id),
    environmentId: integer("environment_id")
      .notNull()
      .references(() => environments.id),
    releaseId: integer("release_id").references(() => releases.id),
    fromVersion: text("from_version"),
    toVersion: text("to_version").notNull(),
    /** Validated strategy JSON and the plan expanded from it (fixed at creation). */
    strategy: text("strategy").notNull(),
    plan: text("plan").notNull(),
    status: text("status").notNull(),
    stepIndex: integer("step_index").notNull(),
    phase: text("phase", { enum: ["start", "hold"] }).notNull(),
    weight: integer("weight").notNull(),
    holdEndsAt: integer("hold_ends_at"),
    holdRemainingMs: integer("hold_remaining_ms"),
    reason: text("reason"),
    failedDuring: text("failed_during", { enum: ["step", "rollback"] }),
    idempotencyKey: text("idempotency_key").notNull(),
    createdBy: integer("created_by").references(() => users.id),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    finishedAt: integer("finished_at"),
    /** A release deployment's timeout (G5): still live at this time means the worker aborts it. */
    deadlineAt: integer("deadline_at"),
    rowVersion: integer("row_version").notNull().default(1),
  },
  (t) => [uniqueIndex("rollouts_idempotency").on(t.idempotencyKey), index("rollouts_target").on(t.serviceId, t.environmentId, t.status), index("rollouts_release").on(t.releaseId)],
);

/** The live job log of a rollout: what the worker and drivers did, in order. */
export const rolloutLog = sqliteTable(
  "rollout_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    rolloutId: integer("rollout_id")
      .notNull()
      .references(() => rollouts.id),
    at: integer("at").notNull(),
    level: text("level", { enum: ["info", "warn", "error"] }).notNull(),
    message: text("message").notNull(),
  },
  (t) => [index("rollout_log_rollout").on(t.rolloutId, t.id)],
);
