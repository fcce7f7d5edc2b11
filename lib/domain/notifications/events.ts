import { z } from "zod";

/**
 * What a channel can subscribe to (REQUIREMENTS L2). Each kind is announced from one audit event
 * (lib/services/notifications/enqueue-notifications.ts), so a message never exists without the
 * event it reports.
 */
export const EVENT_KINDS = ["rollout_started", "step_passed", "rolled_back", "completed", "approval_requested", "gate_blocked", "incident_opened", "sla_breached", "postmortem_overdue"] as const;
export type EventKind = (typeof EVENT_KINDS)[number];
export const eventKindSchema = z.enum(EVENT_KINDS, { error: `Choose an event: ${EVENT_KINDS.join(", ")}.` });

/** A "Send test" message is its own kind: it has a template-free text and no subscription. */
export const TEST_KIND = "test";
export type MessageKind = EventKind | typeof TEST_KIND;

export const EVENT_LABELS: Record<EventKind, string> = {
  rollout_started: "Rollout started",
  step_passed: "Canary step passed",
  rolled_back: "Rolled back",
  completed: "Rollout completed",
  approval_requested: "Approval requested",
  gate_blocked: "Blocked by the security gate",
  incident_opened: "Incident opened",
  sla_breached: "Incident SLA breached",
  postmortem_overdue: "Postmortem overdue",
};

/**
 * Audit action -> event kind: the whole mapping. `rollout.abort` is the moment a rollback is
 * initiated (runbook 002's "ROLLBACK INITIATED", with the decision's numbers); `rollout.rolled_back`
 * (the rollback finished) is deliberately absent so a rollback is announced exactly once.
 * `rollout.hold_elapsed` is a step whose hold passed (a re-armed early wake-up is filtered by the caller).
 * A rollback by redeploy (runbook 003) starts a rollout flagged `rollback`: announced as a rollback.
 */
const ACTION_KINDS: Readonly<Record<string, EventKind>> = {
  "rollout.start": "rollout_started",
  "rollout.hold_elapsed": "step_passed",
  "rollout.abort": "rolled_back",
  "rollout.succeeded": "completed",
  "approval.request": "approval_requested",
  "gate.blocked": "gate_blocked",
  "incident.open": "incident_opened",
  "incident.sla_breached": "sla_breached",
  "incident.postmortem_overdue": "postmortem_overdue",
};

/** The event kind an audit event announces, or null (most actions announce nothing). */
export function eventKindOf(action: string, details: Readonly<Record<string, unknown>> | undefined): EventKind | null {
  const kind = Object.hasOwn(ACTION_KINDS, action) ? ACTION_KINDS[action]! : null;
  if (kind === "rollout_started" && details?.rollback === true) return "rolled_back";
  return kind;
}

/** Audit actions that can announce something (the hook's no-query fast path and the docs). */
export const ANNOUNCED_ACTIONS = Object.keys(ACTION_KINDS);
