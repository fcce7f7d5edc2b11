import "server-only";
import type { Tx } from "@/db/connection";
import { findEnvironment } from "@/db/queries/catalog";
import { insertOverdueNotice, postmortemsNewlyOverdue } from "@/db/queries/postmortems";
import { recordAudit } from "@/lib/audit/record";
import type { SystemActor } from "@/lib/domain/actor";
import { utc } from "@/lib/domain/incidents/postmortem";
import { addTimeline } from "./internal";

const WORKER: SystemActor = { kind: "system", label: "worker" };

/**
 * The worker's postmortem check (K2, L3), in the incident.sla job's pass: every incident whose
 * postmortem is past due and unpublished (or not started) gets `incident.postmortem_overdue`
 * once (announced in chat as `postmortem_overdue`), with a timeline entry. Returns how many.
 */
export function recordOverduePostmortems(tx: Tx, now: number): number {
  const due = postmortemsNewlyOverdue(tx, now);
  for (const incident of due) {
    const dueAt = incident.postmortemDueAt!;
    const environment = incident.environmentId ? findEnvironment(tx, incident.environmentId)?.name : undefined;
    const event = recordAudit(tx, {
      actor: WORKER,
      action: "incident.postmortem_overdue",
      subjectType: "incident",
      subjectId: incident.id,
      environment,
      details: { severity: incident.severity, title: incident.title, dueAt, overdueMs: now - dueAt },
      at: now,
    });
    insertOverdueNotice(tx, { incidentId: incident.id, announcedAt: now, auditEventId: event.id });
    addTimeline(tx, incident.id, [{ at: now, kind: "postmortem", text: `Postmortem overdue (due ${utc(dueAt)}).`, auditEventId: event.id, authorLabel: WORKER.label }]);
  }
  return due.length;
}
