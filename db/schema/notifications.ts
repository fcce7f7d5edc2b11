import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { users } from "./auth";
import { environments, services } from "./catalog";

/**
 * A chat channel (REQUIREMENTS L2): a Slack-compatible incoming webhook or a generic webhook
 * (CloudEvents 1.0). `url` is a secret: stored as given, shown back only masked, never audited.
 */
export const notificationChannels = sqliteTable(
  "notification_channels",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    name: text("name").notNull(),
    kind: text("kind", { enum: ["slack", "webhook"] }).notNull(),
    url: text("url").notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    createdBy: integer("created_by").references(() => users.id),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    rowVersion: integer("row_version").notNull().default(1),
  },
  (t) => [uniqueIndex("notification_channels_name_unique").on(t.name)],
);

/** Which event kinds a channel hears, optionally only for one service and/or one environment. */
export const notificationSubscriptions = sqliteTable(
  "notification_subscriptions",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    channelId: integer("channel_id")
      .notNull()
      .references(() => notificationChannels.id, { onDelete: "cascade" }),
    eventKind: text("event_kind").notNull(),
    serviceId: integer("service_id").references(() => services.id, { onDelete: "cascade" }),
    environmentId: integer("environment_id").references(() => environments.id, { onDelete: "cascade" }),
    createdBy: integer("created_by").references(() => users.id),
    createdAt: integer("created_at").notNull(),
  },
  // The audit hook's one query per mapped event looks subscriptions up by kind.
  (t) => [index("notification_subscriptions_kind").on(t.eventKind, t.channelId)],
);

/** An edited message template per event kind; without a row the kind's default text applies. */
export const notificationTemplates = sqliteTable("notification_templates", {
  eventKind: text("event_kind").primaryKey(),
  body: text("body").notNull(),
  updatedBy: integer("updated_by").references(() => users.id),
  updatedAt: integer("updated_at").notNull(),
  rowVersion: integer("row_version").notNull().default(1),
});

/**
 * The outbox: one message per channel and audit event, written in the audit event's transaction
 * and delivered by the worker (`notification.deliver` jobs). Unique per (channel, audit event):
 * an event is announced once on each channel, whatever retries happen.
 */
export const notificationMessages = sqliteTable(
  "notification_messages",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    channelId: integer("channel_id")
      .notNull()
      .references(() => notificationChannels.id, { onDelete: "cascade" }),
    eventKind: text("event_kind").notNull(),
    auditEventId: integer("audit_event_id").notNull(),
    /** What the message is about, e.g. "rollout 12" (shown in the delivery log). */
    subject: text("subject"),
    text: text("text").notNull(),
    /** JSON: the template variables the text was rendered from (the CloudEvent's data). */
    variables: text("variables").notNull(),
    status: text("status", { enum: ["pending", "delivered", "failed"] }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: integer("next_attempt_at"),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    createdAt: integer("created_at").notNull(),
    finishedAt: integer("finished_at"),
  },
  (t) => [uniqueIndex("notification_messages_channel_event").on(t.channelId, t.auditEventId), index("notification_messages_created").on(t.createdAt)],
);

/** The delivery log: every attempt of a message with its answer (status code or network error). */
export const notificationAttempts = sqliteTable(
  "notification_attempts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    messageId: integer("message_id")
      .notNull()
      .references(() => notificationMessages.id, { onDelete: "cascade" }),
    attempt: integer("attempt").notNull(),
    startedAt: integer("started_at").notNull(),
    durationMs: integer("duration_ms").notNull(),
    statusCode: integer("status_code"),
    error: text("error"),
    outcome: text("outcome", { enum: ["delivered", "retry", "failed"] }).notNull(),
    retryAt: integer("retry_at"),
  },
  (t) => [uniqueIndex("notification_attempts_message_attempt").on(t.messageId, t.attempt)],
);
