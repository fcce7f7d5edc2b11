import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { users } from "./auth";
import { services } from "./catalog";

/**
 * Step hooks (issue 12 item 6, after Flagger's pre-rollout / rollout / confirm-promotion webhooks):
 * admin-defined HTTP calls the worker makes before a service's rollout starts, at each traffic step,
 * and before promotion. A non-2xx answer or a timeout holds the step. `url` is a secret: shown masked.
 */
export const stepHooks = sqliteTable(
  "step_hooks",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    serviceId: integer("service_id")
      .notNull()
      .references(() => services.id, { onDelete: "cascade" }),
    stage: text("stage", { enum: ["pre_rollout", "per_step", "pre_promotion"] }).notNull(),
    name: text("name").notNull(),
    url: text("url").notNull(),
    method: text("method", { enum: ["POST", "PUT", "PATCH", "GET"] }).notNull().default("POST"),
    /** JSON body with {{variables}}; null: the default body (every variable). Never sent with GET. */
    bodyTemplate: text("body_template"),
    timeoutMs: integer("timeout_ms").notNull().default(10_000),
    /** Extra attempts after a failed one (0-5), each after `retryDelayMs`. */
    retries: integer("retries").notNull().default(0),
    retryDelayMs: integer("retry_delay_ms").notNull().default(5_000),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    createdBy: integer("created_by").references(() => users.id),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    rowVersion: integer("row_version").notNull().default(1),
  },
  (t) => [uniqueIndex("step_hooks_service_name").on(t.serviceId, t.name), index("step_hooks_service_stage").on(t.serviceId, t.stage)],
);
