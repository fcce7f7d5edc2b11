// No "server-only" here: recordAudit calls this, and recordAudit also runs in plain Node scripts
// (seed, the audit benchmark) that import it outside React Server Components.
import type { Executor } from "@/db/connection";
import { findAnalysisState } from "@/db/queries/analysis";
import { findEnvironmentByName, findService } from "@/db/queries/catalog";
import { enqueueJob } from "@/db/queries/jobs";
import { type MessageRow, findDecisionNumbers, findIncidentFacts, findTemplate, insertMessage, lastSmokeLine, subscribersOf } from "@/db/queries/notifications";
import { findRelease } from "@/db/queries/releases";
import { findRollout } from "@/db/queries/rollouts";
import { NOTIFICATION_DELIVER_JOB, notificationAttemptKey, notificationDeliverPayload } from "@/lib/domain/notifications/delivery";
import { type EventKind, type MessageKind, eventKindOf } from "@/lib/domain/notifications/events";
import { DEFAULT_TEMPLATES, renderTemplate } from "@/lib/domain/notifications/templates";
import { type EventFacts, variablesOf } from "@/lib/domain/notifications/variables";
import type { PlanStep } from "@/lib/domain/rollout/strategy";

/** An audit event as just appended to the chain (the hook's input). */
export interface AnnouncedEvent {
  id: number;
  action: string;
  /** The actor's name for people ("Release Captain: <name>"), the system label otherwise. */
  actorName: string;
  subjectType: string | null;
  subjectId: string | null;
  environment: string | null;
  details: Readonly<Record<string, unknown>>;
  at: number;
}

/** Queues delivery attempt `attempt` of a message at `runAt` (one job per attempt, keyed). */
export function queueDeliveryAttempt(tx: Executor, messageId: number, attempt: number, runAt: number, now: number): void {
  const payload = notificationDeliverPayload.parse({ messageId, attempt });
  enqueueJob(tx, { kind: NOTIFICATION_DELIVER_JOB, payload, runAt, idempotencyKey: notificationAttemptKey(messageId, attempt), now });
}

/** Writes one outbox message and its first delivery job; undefined when the channel already has this event. */
export function queueMessage(
  tx: Executor,
  v: { channelId: number; kind: MessageKind; auditEventId: number; subject: string | null; text: string; variables: Record<string, string | null>; now: number },
): MessageRow | undefined {
  const message = insertMessage(tx, {
    channelId: v.channelId,
    eventKind: v.kind,
    auditEventId: v.auditEventId,
    subject: v.subject,
    text: v.text,
    variables: JSON.stringify(v.variables),
    status: "pending",
    attempts: 0,
    nextAttemptAt: v.now,
    createdAt: v.now,
  });
  if (message) queueDeliveryAttempt(tx, message.id, 1, v.now, v.now);
  return message;
}

type Scoped = { facts: EventFacts; serviceId: number | null };

/** What the message of this event can say, read in the event's transaction; null: nothing to announce. */
function factsOf(tx: Executor, kind: EventKind, e: AnnouncedEvent): Scoped | null {
  const base: EventFacts = { kind, at: e.at, actor: e.actorName, subject: e.subjectType && e.subjectId ? `${e.subjectType} ${e.subjectId}` : null, environment: e.environment, details: e.details };
  const id = Number(e.subjectId);
  if (e.subjectType === "rollout") {
    const r = findRollout(tx, id);
    if (!r) return { facts: base, serviceId: null };
    // An early wake-up re-arms the hold (still holding): no step passed.
    if (kind === "step_passed" && r.phase === "hold") return null;
    const shifts = (JSON.parse(r.plan) as PlanStep[]).flatMap((s) => (s.kind === "shift" ? [{ weight: s.weight, holdMs: s.holdMs }] : []));
    const live = findAnalysisState(tx, r.id)?.canary;
    const canary = live ? (JSON.parse(live) as { p95_ms?: number; error_rate?: number }) : null;
    const decisionId = e.details.decisionId;
    return {
      serviceId: r.serviceId,
      facts: {
        ...base,
        service: findService(tx, r.serviceId)?.name ?? null,
        rollout: { toVersion: r.toVersion, fromVersion: r.fromVersion, strategyKind: (JSON.parse(r.strategy) as { kind: string }).kind, shifts, createdAt: r.createdAt },
        decision: typeof decisionId === "number" ? (findDecisionNumbers(tx, decisionId) ?? null) : null,
        live: canary ? { p95: canary.p95_ms ?? null, errorRate: canary.error_rate ?? null } : null,
        smokeLine: kind === "completed" ? lastSmokeLine(tx, r.id) : null,
      },
    };
  }
  if (e.subjectType === "release") {
    const release = findRelease(tx, id);
    return { serviceId: release?.serviceId ?? null, facts: { ...base, release: release ? { version: release.version } : null, service: release ? (findService(tx, release.serviceId)?.name ?? null) : null } };
  }
  if (e.subjectType === "incident") {
    const incident = findIncidentFacts(tx, id);
    return { serviceId: incident?.serviceId ?? null, facts: { ...base, incident: incident ?? null, service: incident?.serviceId ? (findService(tx, incident.serviceId)?.name ?? null) : null } };
  }
  if (e.subjectType === "service") return { serviceId: id || null, facts: { ...base, service: findService(tx, id)?.name ?? null } };
  return { serviceId: null, facts: base };
}

/**
 * The audit hook (REQUIREMENTS L2): writes the outbox messages an audit event announces, in the
 * event's own transaction, so a message exists exactly when its event does. Cheap when nothing
 * listens: no query for the many actions that announce nothing, one indexed query otherwise.
 * A subscription limited to a service or environment hears only events about it.
 */
export function enqueueNotifications(tx: Executor, e: AnnouncedEvent): number {
  const kind = eventKindOf(e.action, e.details);
  if (!kind) return 0;
  const subscribers = subscribersOf(tx, kind);
  if (subscribers.length === 0) return 0;
  const scoped = factsOf(tx, kind, e);
  if (!scoped) return 0;
  const environmentId = e.environment ? (findEnvironmentByName(tx, e.environment)?.id ?? null) : null;
  const channels = new Set(
    subscribers.filter((s) => (s.serviceId === null || s.serviceId === scoped.serviceId) && (s.environmentId === null || s.environmentId === environmentId)).map((s) => s.channelId),
  );
  if (channels.size === 0) return 0;
  const variables = variablesOf(scoped.facts);
  const text = renderTemplate(findTemplate(tx, kind)?.body ?? DEFAULT_TEMPLATES[kind], variables);
  let queued = 0;
  for (const channelId of channels) {
    if (queueMessage(tx, { channelId, kind, auditEventId: e.id, subject: scoped.facts.subject, text, variables, now: e.at })) queued++;
  }
  return queued;
}
