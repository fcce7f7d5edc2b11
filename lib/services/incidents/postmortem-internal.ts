import "server-only";
import type { Tx } from "@/db/connection";
import { findEnvironment } from "@/db/queries/catalog";
import type { IncidentRow } from "@/db/queries/incidents";
import { findIncident } from "@/db/queries/incidents";
import { type PostmortemRow, insertPostmortem, postmortemOf, updatePostmortem } from "@/db/queries/postmortems";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import { type Actor, actorLabel } from "@/lib/domain/actor";
import type { AuditAction } from "@/lib/domain/audit-actions";
import { POSTMORTEM_FIELDS, type PostmortemInput, type PostmortemText, publishErrors } from "@/lib/domain/incidents/postmortem";
import { ConflictError, InvalidError, NotFoundError, PreconditionError } from "@/lib/errors";
import { addTimeline } from "./internal";

// Helpers of the postmortem verbs, run inside the caller's transaction.

/**
 * Who writes a postmortem: the people who run incidents (`incident.manage`: on-call, release
 * captain, security, engineering lead) and the incident's commander, whatever their roles.
 */
export function assertMayWritePostmortem(actor: Actor, incident: IncidentRow): void {
  if (actor.via?.kind !== "token" && incident.commanderId === actor.id) return;
  assertCan(actor, "incident.manage");
}

/** The incident, or 404. */
export function incidentOrNotFound(tx: Tx, incidentId: number): IncidentRow {
  const incident = findIncident(tx, incidentId);
  if (!incident) throw new NotFoundError("Incident");
  return incident;
}

/** The postmortem's audit event (subject: its incident) and, when given, the timeline entry that points at it. */
export function auditPostmortem(
  tx: Tx,
  actor: Actor,
  incident: IncidentRow,
  action: AuditAction,
  details: Record<string, unknown>,
  timeline: string | null,
  requestId: string | undefined,
  now: number,
): number {
  const environment = incident.environmentId ? findEnvironment(tx, incident.environmentId)?.name : undefined;
  const event = recordAudit(tx, { actor, action, subjectType: "incident", subjectId: incident.id, environment, details, requestId, at: now });
  if (timeline) addTimeline(tx, incident.id, [{ at: now, kind: "postmortem", text: timeline, auditEventId: event.id, authorLabel: actorLabel(actor) }], actor.id);
  return event.id;
}

/**
 * Saves the sections (optimistic: the version the person loaded) and, when `publish`, publishes:
 * the required sections written and the incident mitigated or resolved. A published postmortem
 * no longer changes.
 */
export function writePostmortem(tx: Tx, actor: Actor, input: PostmortemInput, publish: boolean, requestId: string | undefined, now: number): PostmortemRow {
  const incident = incidentOrNotFound(tx, input.incidentId);
  assertMayWritePostmortem(actor, incident);
  const existing = postmortemOf(tx, incident.id);
  if (existing?.status === "published") throw new PreconditionError("This postmortem is published; it no longer changes.");
  if (existing && input.expectedVersion !== existing.rowVersion) throw new ConflictError("The postmortem changed meanwhile. Reload and try again.");
  const text = Object.fromEntries(POSTMORTEM_FIELDS.map((f) => [f, input[f]])) as PostmortemText;
  if (publish) {
    const errors = publishErrors(text);
    if (errors) throw new InvalidError("Please correct the highlighted fields.", errors);
    if (incident.status !== "mitigated" && incident.status !== "resolved") throw new PreconditionError("Mitigate or resolve the incident before publishing its postmortem.");
  }
  const changed = POSTMORTEM_FIELDS.filter((f) => (existing ? existing[f] : "") !== text[f]);
  const status = publish ? "published" : "draft";
  const published = publish ? { publishedAt: now, publishedBy: actor.id } : {};
  const saved = existing
    ? updatePostmortem(tx, existing.id, existing.rowVersion, { ...text, status, ...published, updatedAt: now })
    : insertPostmortem(tx, { incidentId: incident.id, ...text, status, ...published, authorId: actor.id, createdAt: now, updatedAt: now });
  if (!saved) throw new ConflictError("The postmortem changed meanwhile. Reload and try again.");
  const line = publish ? `Postmortem published by ${actor.name}.` : existing ? null : `Postmortem draft started by ${actor.name}.`;
  auditPostmortem(
    tx,
    actor,
    incident,
    publish ? "postmortem.publish" : "postmortem.save",
    { postmortemId: saved.id, status, changed, rowVersion: saved.rowVersion, severity: incident.severity },
    line,
    requestId,
    now,
  );
  return saved;
}
