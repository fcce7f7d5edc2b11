import { z } from "zod";
import type { AuditFact } from "./timeline";

/** Incident statuses in order (L1, PagerDuty / incident.io): each one only moves forward. */
export const INCIDENT_STATUSES = ["open", "acknowledged", "mitigated", "resolved"] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export const INCIDENT_SEVERITIES = ["P1", "P2"] as const;
export type IncidentSeverity = (typeof INCIDENT_SEVERITIES)[number];
export const incidentSeveritySchema = z.enum(INCIDENT_SEVERITIES);

export const INCIDENT_KINDS = ["rollback", "security", "outage", "other"] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

export const SEVERITY_LABELS: Record<IncidentSeverity, string> = {
  P1: "P1 (critical: customer-facing outage or security risk)",
  P2: "P2 (degraded feature or single-tenant impact)",
};

/** The SLA clocks (runbook 004): acknowledge, then mitigate (roll back / restore). */
export const SLA_CLOCKS = ["acknowledge", "mitigate"] as const;
export type SlaClock = (typeof SLA_CLOCKS)[number];

const MIN = 60_000;
/** Runbook 004 "SLAs": P1 acknowledge <= 5 min, mitigate <= 30 min; P2 15 min / 2 h. */
export const SLA_TARGETS_MS: Record<IncidentSeverity, Record<SlaClock, number>> = {
  P1: { acknowledge: 5 * MIN, mitigate: 30 * MIN },
  P2: { acknowledge: 15 * MIN, mitigate: 120 * MIN },
};

/** Postmortem due 48 h after the incident opened, 24 h for a hotfix release (K2, D2). */
export const POSTMORTEM_DUE_MS = { normal: 48 * 60 * MIN, hotfix: 24 * 60 * MIN } as const;
export const postmortemDueAt = (openedAt: number, hotfix: boolean): number => openedAt + (hotfix ? POSTMORTEM_DUE_MS.hotfix : POSTMORTEM_DUE_MS.normal);

/** What the rules read of an incident. */
export interface IncidentFacts {
  severity: IncidentSeverity;
  status: IncidentStatus;
  openedAt: number;
  /** When the impact was detected (incident.io's "detected at"); the SLA clocks run from it. Null on rows older than the column: openedAt. */
  detectedAt?: number | null;
  acknowledgedAt: number | null;
  mitigatedAt: number | null;
  resolvedAt: number | null;
  ackBreachedAt: number | null;
  mitigateBreachedAt: number | null;
}

export type ClockState = "running" | "met" | "breached" | "met_late";

export interface ClockView {
  clock: SlaClock;
  dueAt: number;
  /** When the clock stopped (acknowledged / mitigated), or null while it runs. */
  stoppedAt: number | null;
  state: ClockState;
  /** Time left while running (negative once overdue). */
  leftMs: number;
}

const stopOf = (i: IncidentFacts, clock: SlaClock) => (clock === "acknowledge" ? i.acknowledgedAt : i.mitigatedAt);

/** Where the SLA clocks start: the detection time, else the opening. */
export const clockStart = (i: Pick<IncidentFacts, "openedAt" | "detectedAt">): number => i.detectedAt ?? i.openedAt;

/** Both SLA clocks of an incident at `now` (a virtual clock in tests), running from its detection. */
export function slaClocks(i: IncidentFacts, now: number): ClockView[] {
  return SLA_CLOCKS.map((clock) => {
    const dueAt = clockStart(i) + SLA_TARGETS_MS[i.severity][clock];
    const stoppedAt = stopOf(i, clock);
    const state: ClockState = stoppedAt !== null ? (stoppedAt <= dueAt ? "met" : "met_late") : now > dueAt ? "breached" : "running";
    return { clock, dueAt, stoppedAt, state, leftMs: dueAt - (stoppedAt ?? now) };
  });
}

/** Clocks that are past due at `now` and whose breach is not recorded yet: each is recorded once. */
export function dueBreaches(i: IncidentFacts, now: number): { clock: SlaClock; dueAt: number }[] {
  const recorded: Record<SlaClock, number | null> = { acknowledge: i.ackBreachedAt, mitigate: i.mitigateBreachedAt };
  return slaClocks(i, now)
    .filter((c) => recorded[c.clock] === null && (c.state === "breached" || c.state === "met_late"))
    .map((c) => ({ clock: c.clock, dueAt: c.dueAt }));
}

/** Column of the breach stamp of a clock. */
export const BREACH_FIELD = { acknowledge: "ackBreachedAt", mitigate: "mitigateBreachedAt" } as const satisfies Record<SlaClock, keyof IncidentFacts>;

/** How far back a manual incident's "detected at" may lie. */
export const MAX_DETECTION_AGE_MS = 24 * 60 * MIN;

export const DETECTED_AT_MESSAGES = {
  invalid: "Enter when the impact was detected as a UTC date and time, like 2026-11-22T10:00.",
  future: "Detected at cannot be in the future.",
  tooOld: "Detected at must be within the last 24 hours; older impact belongs in the incident's summary.",
} as const;

/** Why a manual incident's detection time is refused at `now`, or null when it is fine (not in the future, at most 24 h ago). */
export function detectedAtProblem(detectedAt: number, now: number): string | null {
  if (detectedAt > now) return DETECTED_AT_MESSAGES.future;
  if (detectedAt < now - MAX_DETECTION_AGE_MS) return DETECTED_AT_MESSAGES.tooOld;
  return null;
}

/**
 * When a rollback incident's impact was detected, from its rollout's audit events: the first
 * rollback decision of the analysis (its `satisfiedAt`, the moment the breach held long enough)
 * or the first failed step; never later than the opening. No such event (a manual abort): the opening.
 */
export function rollbackDetectedAt(events: readonly AuditFact[], openedAt: number): number {
  const breach = [...events]
    .sort((a, b) => a.id - b.id)
    .find((e) => (e.action === "analysis.decision" && typeof e.details.outcome === "string" && e.details.outcome.startsWith("rollback")) || e.action === "rollout.step_failed");
  if (!breach) return openedAt;
  const satisfiedAt = breach.details.satisfiedAt;
  return Math.min(typeof satisfiedAt === "number" ? satisfiedAt : breach.at, openedAt);
}

export type StatusChange = { ok: true; next: Pick<IncidentFacts, "status" | "acknowledgedAt" | "mitigatedAt" | "resolvedAt"> } | { ok: false; reason: string };

/**
 * Moves an incident forward to `to`. Skipping a status stamps the skipped ones at the same time
 * (mitigating an unacknowledged incident acknowledges it); nothing moves back.
 */
export function moveIncident(i: IncidentFacts, to: Exclude<IncidentStatus, "open">, now: number): StatusChange {
  const from = INCIDENT_STATUSES.indexOf(i.status);
  const target = INCIDENT_STATUSES.indexOf(to);
  if (i.status === "resolved") return { ok: false, reason: "This incident is resolved; nothing changes any more." };
  if (target <= from) return { ok: false, reason: `This incident is already ${i.status}.` };
  return {
    ok: true,
    next: {
      status: to,
      acknowledgedAt: i.acknowledgedAt ?? now,
      mitigatedAt: target >= 2 ? (i.mitigatedAt ?? now) : i.mitigatedAt,
      resolvedAt: target >= 3 ? now : null,
    },
  };
}

/** The severity of the incident a production rollback opens (K2): P1 for an automatic immediate rollback. */
export function rollbackSeverity(r: { automatic: boolean; immediate: boolean }): IncidentSeverity {
  return r.automatic && r.immediate ? "P1" : "P2";
}

/** E5: a security incident of the highest severity locks the gate down by itself. */
export const locksDown = (i: { kind: IncidentKind; severity: IncidentSeverity }): boolean => i.kind === "security" && i.severity === "P1";

export const isOpen = (status: IncidentStatus): boolean => status !== "resolved";
