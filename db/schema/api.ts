import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { users } from "./auth";
import { environments, services } from "./catalog";
import { rollouts } from "./rollouts";

/**
 * Idempotency keys of the REST API (N1, after Stripe): the first answer to a POST with an
 * `Idempotency-Key` is kept for 24 h per caller (an API token, or a person's session), so a retry
 * gets the same answer and does the work once. `fingerprint` is the sha256 of method, path and
 * body: the same key with another request is refused (422). `status` null: still being answered.
 */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    /** "token:<id>" or "user:<id>". */
    principal: text("principal").notNull(),
    key: text("key").notNull(),
    fingerprint: text("fingerprint").notNull(),
    status: integer("status"),
    /** The kept answer: {"headers": {...}, "body": "..."}. */
    response: text("response"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("idempotency_keys_principal_key").on(t.principal, t.key), index("idempotency_keys_created").on(t.createdAt)],
);

/**
 * A rollback created through runbook 003's API (`POST /api/deploy-safety/rollback/create`): the
 * plan a person saw (from, to, where the target came from) and why, executed later by
 * `POST /api/deploy-safety/rollback/{id}/execute` only while the plan still leads to `toVersion`.
 */
export const rollbackRequests = sqliteTable(
  "rollback_requests",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    serviceId: integer("service_id")
      .notNull()
      .references(() => services.id),
    environmentId: integer("environment_id")
      .notNull()
      .references(() => environments.id),
    fromVersion: text("from_version"),
    toVersion: text("to_version").notNull(),
    /** Where the target version came from (the plan's source: recorded last good, LAST_GOOD_COMMIT, live rollout). */
    source: text("source").notNull(),
    reason: text("reason").notNull(),
    createdBy: integer("created_by")
      .notNull()
      .references(() => users.id),
    createdAt: integer("created_at").notNull(),
    executedAt: integer("executed_at"),
    executedBy: integer("executed_by").references(() => users.id),
    rolloutId: integer("rollout_id").references(() => rollouts.id),
  },
  (t) => [index("rollback_requests_env").on(t.environmentId)],
);
