import { and, desc, eq, inArray, like, sql } from "drizzle-orm";
import type { Executor } from "../connection";
import {
  analysisDecisions,
  environments,
  incidents,
  notificationAttempts,
  notificationChannels,
  notificationMessages,
  notificationSubscriptions,
  notificationTemplates,
  rolloutLog,
  services,
} from "../schema";

export type ChannelRow = typeof notificationChannels.$inferSelect;
export type SubscriptionRow = typeof notificationSubscriptions.$inferSelect;
export type MessageRow = typeof notificationMessages.$inferSelect;
export type AttemptRow = typeof notificationAttempts.$inferSelect;

// ---- channels -----------------------------------------------------------------------------------

export const listChannels = (db: Executor) => db.select().from(notificationChannels).orderBy(notificationChannels.name).all();
export const findChannel = (db: Executor, id: number) => db.select().from(notificationChannels).where(eq(notificationChannels.id, id)).get();
export const findChannelByName = (db: Executor, name: string) => db.select().from(notificationChannels).where(eq(notificationChannels.name, name)).get();
export const insertChannel = (db: Executor, v: typeof notificationChannels.$inferInsert): ChannelRow => db.insert(notificationChannels).values(v).returning().get();

/** Optimistic update (DESIGN rule 7): undefined when the row changed since `rowVersion`. */
export function updateChannel(db: Executor, id: number, rowVersion: number, v: Partial<Pick<ChannelRow, "name" | "kind" | "url" | "enabled" | "updatedAt">>): ChannelRow | undefined {
  return db
    .update(notificationChannels)
    .set({ ...v, rowVersion: rowVersion + 1 })
    .where(and(eq(notificationChannels.id, id), eq(notificationChannels.rowVersion, rowVersion)))
    .returning()
    .get();
}

/** Removes a channel with its subscriptions, messages and their delivery log (cascade). */
export const deleteChannel = (db: Executor, id: number) => db.delete(notificationChannels).where(eq(notificationChannels.id, id)).run().changes > 0;

// ---- subscriptions ------------------------------------------------------------------------------

/**
 * The audit hook's one query: enabled channels subscribed to `kind`, with each subscription's
 * service / environment filter (index notification_subscriptions_kind).
 */
export const subscribersOf = (db: Executor, kind: string) =>
  db
    .select({ channelId: notificationSubscriptions.channelId, serviceId: notificationSubscriptions.serviceId, environmentId: notificationSubscriptions.environmentId })
    .from(notificationSubscriptions)
    .innerJoin(notificationChannels, eq(notificationChannels.id, notificationSubscriptions.channelId))
    .where(and(eq(notificationSubscriptions.eventKind, kind), eq(notificationChannels.enabled, true)))
    .all();

export const listSubscriptions = (db: Executor) =>
  db
    .select({
      id: notificationSubscriptions.id,
      channelId: notificationSubscriptions.channelId,
      eventKind: notificationSubscriptions.eventKind,
      serviceId: notificationSubscriptions.serviceId,
      environmentId: notificationSubscriptions.environmentId,
      service: services.name,
      environment: environments.name,
    })
    .from(notificationSubscriptions)
    .leftJoin(services, eq(services.id, notificationSubscriptions.serviceId))
    .leftJoin(environments, eq(environments.id, notificationSubscriptions.environmentId))
    .orderBy(notificationSubscriptions.channelId, notificationSubscriptions.eventKind, notificationSubscriptions.id)
    .all();

export const findSubscription = (db: Executor, id: number) => db.select().from(notificationSubscriptions).where(eq(notificationSubscriptions.id, id)).get();

/** The same subscription already there (same channel, kind and filters), if any. */
export const findSameSubscription = (db: Executor, v: Pick<SubscriptionRow, "channelId" | "eventKind" | "serviceId" | "environmentId">) =>
  db
    .select()
    .from(notificationSubscriptions)
    .where(
      and(
        eq(notificationSubscriptions.channelId, v.channelId),
        eq(notificationSubscriptions.eventKind, v.eventKind),
        sql`${notificationSubscriptions.serviceId} IS ${v.serviceId}`,
        sql`${notificationSubscriptions.environmentId} IS ${v.environmentId}`,
      ),
    )
    .get();

export const insertSubscription = (db: Executor, v: typeof notificationSubscriptions.$inferInsert): SubscriptionRow =>
  db.insert(notificationSubscriptions).values(v).returning().get();
export const deleteSubscription = (db: Executor, id: number) => db.delete(notificationSubscriptions).where(eq(notificationSubscriptions.id, id)).run().changes > 0;

// ---- templates ----------------------------------------------------------------------------------

export const listTemplates = (db: Executor) => db.select().from(notificationTemplates).all();
export const findTemplate = (db: Executor, kind: string) => db.select().from(notificationTemplates).where(eq(notificationTemplates.eventKind, kind)).get();

export function upsertTemplate(db: Executor, v: { eventKind: string; body: string; updatedBy: number; updatedAt: number }): void {
  db.insert(notificationTemplates)
    .values(v)
    .onConflictDoUpdate({ target: notificationTemplates.eventKind, set: { body: v.body, updatedBy: v.updatedBy, updatedAt: v.updatedAt, rowVersion: sql`${notificationTemplates.rowVersion} + 1` } })
    .run();
}
export const deleteTemplate = (db: Executor, kind: string) => db.delete(notificationTemplates).where(eq(notificationTemplates.eventKind, kind)).run().changes > 0;

// ---- outbox and delivery log --------------------------------------------------------------------

/** Inserts a message unless the channel already has one for this audit event (undefined then). */
export const insertMessage = (db: Executor, v: typeof notificationMessages.$inferInsert): MessageRow | undefined =>
  db.insert(notificationMessages).values(v).onConflictDoNothing().returning().get();

export const findMessage = (db: Executor, id: number) => db.select().from(notificationMessages).where(eq(notificationMessages.id, id)).get();

export function updateMessage(db: Executor, id: number, v: Partial<Pick<MessageRow, "status" | "attempts" | "nextAttemptAt" | "lastStatusCode" | "lastError" | "finishedAt">>): void {
  db.update(notificationMessages).set(v).where(eq(notificationMessages.id, id)).run();
}

export const insertAttempt = (db: Executor, v: typeof notificationAttempts.$inferInsert): AttemptRow => db.insert(notificationAttempts).values(v).returning().get();

/** The newest messages with their channel's name (the delivery log page). */
export const recentMessages = (db: Executor, limit = 50) =>
  db
    .select({ message: notificationMessages, channel: notificationChannels.name })
    .from(notificationMessages)
    .innerJoin(notificationChannels, eq(notificationChannels.id, notificationMessages.channelId))
    .orderBy(desc(notificationMessages.id))
    .limit(limit)
    .all();

export const attemptsOf = (db: Executor, messageIds: readonly number[]) =>
  messageIds.length ? db.select().from(notificationAttempts).where(inArray(notificationAttempts.messageId, [...messageIds])).orderBy(notificationAttempts.messageId, notificationAttempts.attempt).all() : [];

// ---- what an event's message says (read inside the audit event's transaction) ------------------

export const findDecisionNumbers = (db: Executor, id: number) =>
  db
    .select({ metric: analysisDecisions.metric, canaryValue: analysisDecisions.canaryValue, threshold: analysisDecisions.threshold, sentence: analysisDecisions.sentence })
    .from(analysisDecisions)
    .where(eq(analysisDecisions.id, id))
    .get();

/** The last passed smoke check line of a rollout's log ("smoke passed: <url>: HTTP 200 (3 ms); ..."). */
export const lastSmokeLine = (db: Executor, rolloutId: number) =>
  db
    .select({ message: rolloutLog.message })
    .from(rolloutLog)
    .where(and(eq(rolloutLog.rolloutId, rolloutId), like(rolloutLog.message, "smoke passed:%")))
    .orderBy(desc(rolloutLog.id))
    .limit(1)
    .get()?.message ?? null;

export const findIncidentFacts = (db: Executor, id: number) =>
  db.select({ id: incidents.id, title: incidents.title, severity: incidents.severity, serviceId: incidents.serviceId }).from(incidents).where(eq(incidents.id, id)).get();
