import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { releases } from "./catalog";
import { rollouts } from "./rollouts";

/**
 * What the Insights page needs of a finished rollout (issue 14, item 4), derived from its audit
 * events once, in the transaction of the event that finished it: whether it restored an earlier
 * version, when its rollback was decided, and its replayed time intervals. A finished rollout's
 * history no longer changes, so the page reads this row instead of replaying its events. Derived:
 * a missing row only makes the page replay the events itself.
 */
export const rolloutTimeFacts = sqliteTable("rollout_time_facts", {
  rolloutId: integer("rollout_id")
    .primaryKey()
    .references(() => rollouts.id),
  restoration: integer("restoration", { mode: "boolean" }).notNull(),
  abortedAt: integer("aborted_at"),
  /** JSON [[from, to, category], ...]: lib/domain/insights/time-spent.ts TimeInterval. */
  intervals: text("intervals").notNull(),
  computedAt: integer("computed_at").notNull(),
});

/**
 * Where an ended release's time went (completed, aborted or rolled back: its time is fixed at its
 * end), written in the transaction that ended it. Incident time is not in it (an incident linked to
 * the release may still be open); the page adds it. Derived, like rollout_time_facts.
 */
export const releaseTimeFacts = sqliteTable("release_time_facts", {
  releaseId: integer("release_id")
    .primaryKey()
    .references(() => releases.id),
  /** JSON TimeSpent: milliseconds per category. */
  spent: text("spent").notNull(),
  totalMs: integer("total_ms").notNull(),
  computedAt: integer("computed_at").notNull(),
});
