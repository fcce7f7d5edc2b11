import "server-only";
import type { Executor } from "@/db/connection";
import { attemptsOf, listChannels, listSubscriptions, listTemplates, recentMessages } from "@/db/queries/notifications";
import { maskUrl } from "@/lib/domain/notifications/channels";
import { EVENT_KINDS, EVENT_LABELS } from "@/lib/domain/notifications/events";
import { DEFAULT_TEMPLATES, TEMPLATE_VARIABLES } from "@/lib/domain/notifications/templates";

/**
 * Read model of the notifications settings page: channels with masked URLs (the full URL never
 * leaves the server), subscriptions, each kind's template, and the delivery log with its attempts.
 */
export function notificationSettings(db: Executor, opts: { messages?: number } = {}) {
  const stored = new Map(listTemplates(db).map((t) => [t.eventKind, t]));
  const messages = recentMessages(db, opts.messages ?? 50);
  const attempts = attemptsOf(db, messages.map((m) => m.message.id));
  const subscriptions = listSubscriptions(db);
  return {
    channels: listChannels(db).map((c) => ({
      id: c.id,
      name: c.name,
      kind: c.kind,
      url: maskUrl(c.url),
      enabled: c.enabled,
      rowVersion: c.rowVersion,
      subscriptions: subscriptions.filter((s) => s.channelId === c.id),
    })),
    templates: EVENT_KINDS.map((kind) => ({
      kind,
      label: EVENT_LABELS[kind],
      body: stored.get(kind)?.body ?? DEFAULT_TEMPLATES[kind],
      isDefault: !stored.has(kind),
      defaultBody: DEFAULT_TEMPLATES[kind],
      variables: TEMPLATE_VARIABLES[kind],
    })),
    messages: messages.map(({ message: m, channel }) => ({
      id: m.id,
      channel,
      kind: m.eventKind,
      subject: m.subject,
      text: m.text,
      status: m.status,
      attempts: m.attempts,
      lastStatusCode: m.lastStatusCode,
      lastError: m.lastError,
      nextAttemptAt: m.status === "pending" ? m.nextAttemptAt : null,
      createdAt: m.createdAt,
      finishedAt: m.finishedAt,
      log: attempts.filter((a) => a.messageId === m.id),
    })),
  };
}

export type NotificationSettings = ReturnType<typeof notificationSettings>;
