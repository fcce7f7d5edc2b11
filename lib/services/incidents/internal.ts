import "server-only";
import type { Tx } from "@/db/connection";
import { findEnvironment } from "@/db/queries/catalog";
import { type IncidentRow, findIncident, insertTimelineEntries, updateIncident } from "@/db/queries/incidents";
import { recordAudit } from "@/lib/audit/record";
import { type AnyActor, actorLabel } from "@/lib/domain/actor";
import type { AuditAction } from "@/lib/domain/audit-actions";
import { BREACH_FIELD, dueBreaches, locksDown } from "@/lib/domain/incidents/rules";
import type { TimelineEntry } from "@/lib/domain/incidents/timeline";
import { ConflictError, NotFoundError } from "@/lib/errors";
import { enterAutoLockdown } from "@/lib/services/security/enter-auto-lockdown";

// Helpers that run inside a caller's transaction (DESIGN section 6: verbs, helpers, read models).

/** The incident to change: 404 when unknown, CONFLICT when it changed since the person loaded it. */
export function incidentForChange(tx: Tx, incidentId: number, expectedVersion?: number): IncidentRow {
  const incident = findIncident(tx, incidentId);
  if (!incident) throw new NotFoundError("Incident");
  if (expectedVersion !== undefined && incident.rowVersion !== expectedVersion) throw new ConflictError("The incident changed meanwhile. Reload and try again.");
  return incident;
}

/** Optimistic write of an incident (DESIGN rule 7). */
export function saveIncident(tx: Tx, incident: IncidentRow, patch: Partial<IncidentRow>, now: number): IncidentRow {
  const saved = updateIncident(tx, incident.id, incident.rowVersion, { ...patch, updatedAt: now });
  if (!saved) throw new ConflictError("The incident changed meanwhile. Reload and try again.");
  return saved;
}

export function addTimeline(tx: Tx, incidentId: number, entries: readonly TimelineEntry[], authorId: number | null = null): void {
  insertTimelineEntries(
    tx,
    entries.map((e) => ({ incidentId, at: e.at, kind: e.kind, text: e.text, auditEventId: e.auditEventId, authorId, authorLabel: e.authorLabel })),
  );
}

/** The incident's audit event and the timeline entry that points at it. */
export function auditIncident(
  tx: Tx,
  actor: AnyActor,
  incident: IncidentRow,
  action: AuditAction,
  entry: Pick<TimelineEntry, "kind" | "text">,
  details: Record<string, unknown>,
  requestId: string | undefined,
  now: number,
): void {
  const environment = incident.environmentId ? findEnvironment(tx, incident.environmentId)?.name : undefined;
  const event = recordAudit(tx, { actor, action, subjectType: "incident", subjectId: incident.id, environment, details: { severity: incident.severity, ...details }, requestId, at: now });
  addTimeline(tx, incident.id, [{ ...entry, at: now, auditEventId: event.id, authorLabel: actorLabel(actor) }], actor.kind === "user" ? actor.id : null);
}

/** Records each SLA clock past due and not yet recorded (`incident.sla_breached`, once per clock). */
export function recordDueBreaches(tx: Tx, incident: IncidentRow, actor: AnyActor, now: number): IncidentRow {
  let current = incident;
  for (const b of dueBreaches(current, now)) {
    current = saveIncident(tx, current, { [BREACH_FIELD[b.clock]]: now }, now);
    auditIncident(
      tx,
      actor,
      current,
      "incident.sla_breached",
      { kind: "sla_breached", text: `${current.severity} ${b.clock} SLA breached (due ${new Date(b.dueAt).toISOString()}).` },
      { clock: b.clock, dueAt: b.dueAt, overdueMs: now - b.dueAt },
      undefined,
      now,
    );
  }
  return current;
}

/** E5: a critical security incident locks the gate down by itself; the timeline says so. */
export function lockDownIfCritical(tx: Tx, incident: IncidentRow, actor: AnyActor, requestId: string | undefined, now: number): boolean {
  if (!locksDown(incident)) return false;
  const entered = enterAutoLockdown(tx, actor, `Critical security incident #${incident.id}: ${incident.title}`, { subjectType: "incident", subjectId: incident.id }, requestId, now);
  if (entered) addTimeline(tx, incident.id, [{ at: now, kind: "lockdown", text: "Security gate entered lockdown (critical security incident).", auditEventId: null, authorLabel: actorLabel(actor) }]);
  return entered;
}
