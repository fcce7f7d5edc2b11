import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { users } from "./auth";
import { environments, services } from "./catalog";

/**
 * Feature flags served as a flagd definition (/api/flags, runbook 002). Boolean flags with the
 * variants on/off; `rolloutPercentage` is the share of targeting keys that get "on". A flag bound
 * to a service in an environment is driven by that service's rollouts there (lib/domain/flags).
 */
export const featureFlags = sqliteTable(
  "feature_flags",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    key: text("key").notNull(),
    description: text("description").notNull().default(""),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(false),
    /** 0-100: share of targeting keys evaluated to "on" while enabled. */
    rolloutPercentage: integer("rollout_percentage").notNull().default(0),
    /** Binding: both set or both null (a deleted service or environment leaves the flag unbound). */
    serviceId: integer("service_id").references(() => services.id, { onDelete: "set null" }),
    environmentId: integer("environment_id").references(() => environments.id, { onDelete: "set null" }),
    /** The rollout that last set the flag (null after a manual change). */
    lastRolloutId: integer("last_rollout_id"),
    /**
     * External-flag hook (runbook 002's curl, admin-defined): every change a rollout makes is sent
     * here with `externalBody` rendered ({{flag}}, {{percentage}}, {{enabled}}, {{environment}}).
     * The URL is a secret: shown masked, never audited in full. Null: no external flag service.
     */
    externalUrl: text("external_url"),
    externalBody: text("external_body"),
    createdBy: integer("created_by")
      .notNull()
      .references(() => users.id),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    rowVersion: integer("row_version").notNull().default(1),
  },
  (t) => [uniqueIndex("feature_flags_key_unique").on(t.key), index("feature_flags_binding").on(t.serviceId, t.environmentId)],
);
