import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { environments, releases } from "./catalog";
import { rollouts } from "./rollouts";

/**
 * A release's deployment history (K2, runbook 001 "change-log entry"): each rollout of the release
 * that succeeded or was rolled back, written in the rollout event's transaction. A rollback entry
 * names the original deploy of the version it restored. Append-only.
 */
export const releaseChangelog = sqliteTable(
  "release_changelog",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    releaseId: integer("release_id")
      .notNull()
      .references(() => releases.id),
    at: integer("at").notNull(),
    kind: text("kind", { enum: ["deployed", "rolled_back"] }).notNull(),
    text: text("text").notNull(),
    environmentId: integer("environment_id")
      .notNull()
      .references(() => environments.id),
    rolloutId: integer("rollout_id")
      .notNull()
      .references(() => rollouts.id),
    /** The last succeeded rollout of the restored version before this one (rollbacks only). */
    originalRolloutId: integer("original_rollout_id").references(() => rollouts.id),
  },
  (t) => [index("release_changelog_release").on(t.releaseId, t.id), uniqueIndex("release_changelog_rollout_kind").on(t.rolloutId, t.kind, t.releaseId)],
);

/**
 * Post-rollback verification (K2): one per completed rollback, pending from the rollback's
 * transaction until the worker's probes of the restored version pass or run out of attempts.
 */
export const rolloutVerifications = sqliteTable(
  "rollout_verifications",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    rolloutId: integer("rollout_id")
      .notNull()
      .references(() => rollouts.id),
    status: text("status", { enum: ["pending", "passed", "failed"] }).notNull(),
    /** The version that should serve after the rollback. */
    restoredVersion: text("restored_version").notNull(),
    attempts: integer("attempts").notNull().default(0),
    maxAttempts: integer("max_attempts").notNull(),
    /** JSON: the last attempt's probes ({kind, url?, status?, healthy?, ok, detail}). */
    probes: text("probes").notNull().default("[]"),
    summary: text("summary"),
    queuedAt: integer("queued_at").notNull(),
    finishedAt: integer("finished_at"),
    rowVersion: integer("row_version").notNull().default(1),
  },
  (t) => [uniqueIndex("rollout_verifications_rollout").on(t.rolloutId)],
);
