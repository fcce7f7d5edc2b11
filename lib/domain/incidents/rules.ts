import { z } from "zod";

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

/** Both SLA clocks of an incident at `now` (a virtual clock in tests). */
export function slaClocks(i: IncidentFacts, now: number): ClockView[] {
  return SLA_CLOCKS.map((clock) => {
    const dueAt = i.openedAt + SLA_TARGETS_MS[i.severity][clock];
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
