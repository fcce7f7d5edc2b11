import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { users } from "./auth";
import { incidents } from "./incidents";

/**
 * The postmortem of an incident (L3, Google SRE template): one per incident, a draft until it is
 * published; published ones no longer change. Lessons learned are the template's three lists.
 * Mutated under `row_version`.
 */
export const postmortems = sqliteTable(
  "postmortems",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    incidentId: integer("incident_id")
      .notNull()
      .references(() => incidents.id),
    summary: text("summary").notNull().default(""),
    impact: text("impact").notNull().default(""),
    rootCauses: text("root_causes").notNull().default(""),
    trigger: text("trigger").notNull().default(""),
    resolution: text("resolution").notNull().default(""),
    detection: text("detection").notNull().default(""),
    wentWell: text("went_well").notNull().default(""),
    wentWrong: text("went_wrong").notNull().default(""),
    gotLucky: text("got_lucky").notNull().default(""),
    status: text("status", { enum: ["draft", "published"] }).notNull(),
    publishedAt: integer("published_at"),
    publishedBy: integer("published_by").references(() => users.id),
    authorId: integer("author_id").references(() => users.id),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    rowVersion: integer("row_version").notNull().default(1),
  },
  (t) => [uniqueIndex("postmortems_incident").on(t.incidentId)],
);

/** Action items of a postmortem: every one has an owner (an account) and a due date (UTC, YYYY-MM-DD). */
export const postmortemActionItems = sqliteTable(
  "postmortem_action_items",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    postmortemId: integer("postmortem_id")
      .notNull()
      .references(() => postmortems.id),
    text: text("text").notNull(),
    kind: text("kind", { enum: ["detect", "mitigate", "prevent", "process"] }).notNull(),
    ownerId: integer("owner_id")
      .notNull()
      .references(() => users.id),
    dueOn: text("due_on").notNull(),
    doneAt: integer("done_at"),
    doneBy: integer("done_by").references(() => users.id),
    createdBy: integer("created_by").references(() => users.id),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("postmortem_action_items_postmortem").on(t.postmortemId, t.id)],
);

/**
 * "Postmortem overdue" announced once per incident: a row per incident whose postmortem passed its
 * due time unpublished (the postmortem itself may not exist yet, hence not a column of it).
 */
export const postmortemOverdue = sqliteTable("postmortem_overdue", {
  incidentId: integer("incident_id")
    .primaryKey()
    .references(() => incidents.id),
  announcedAt: integer("announced_at").notNull(),
  auditEventId: integer("audit_event_id").notNull(),
});
