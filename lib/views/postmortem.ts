import type { Executor } from "@/db/connection";
import { findEnvironment, findService } from "@/db/queries/catalog";
import { findIncident, timelineOf } from "@/db/queries/incidents";
import { actionItemsOf, postmortemOf, postmortemStatuses, rollbackDecisionOf } from "@/db/queries/postmortems";
import { findUserById } from "@/db/queries/users";
import {
  type DecisionFact,
  type IncidentForPostmortem,
  POSTMORTEM_FIELDS,
  type PostmortemDocument,
  type PostmortemText,
  isPostmortemOverdue,
  prefillPostmortem,
} from "@/lib/domain/incidents/postmortem";

/**
 * Read model of an incident's postmortem (L3): the saved text or, before the first save, the
 * prefill from the incident, its timeline and the rollback decision; action items with owners;
 * whether it is overdue at `now`.
 */
export function loadPostmortem(db: Executor, incidentId: number, now = Date.now()) {
  const row = findIncident(db, incidentId);
  if (!row) return undefined;
  const incident: IncidentForPostmortem = {
    ...row,
    service: row.serviceId ? (findService(db, row.serviceId)?.name ?? null) : null,
    environment: row.environmentId ? (findEnvironment(db, row.environmentId)?.name ?? null) : null,
  };
  const timeline = timelineOf(db, incidentId);
  const postmortem = postmortemOf(db, incidentId);
  const d = incident.rolloutId ? rollbackDecisionOf(db, incident.rolloutId) : undefined;
  const decision: DecisionFact | null = d
    ? { at: d.at, sentence: d.sentence, metric: d.metric, canaryValue: d.canaryValue, baselineValue: d.baselineValue, threshold: d.threshold, windowSeconds: d.windowSeconds }
    : null;
  const text: PostmortemText = postmortem
    ? (Object.fromEntries(POSTMORTEM_FIELDS.map((f) => [f, postmortem[f]])) as PostmortemText)
    : prefillPostmortem(incident, timeline, decision);
  const items = postmortem ? actionItemsOf(db, postmortem.id) : [];
  const author = postmortem?.authorId ? (findUserById(db, postmortem.authorId)?.name ?? null) : null;
  const document: PostmortemDocument = {
    incident,
    text,
    status: postmortem?.status ?? "draft",
    publishedAt: postmortem?.publishedAt ?? null,
    author,
    timeline,
    actionItems: items.map(({ item, owner }) => ({ text: item.text, kind: item.kind, owner, dueOn: item.dueOn, doneAt: item.doneAt })),
  };
  return { incident: row, postmortem, items, document, now, overdue: isPostmortemOverdue(row.postmortemDueAt, postmortem?.status ?? null, now) };
}

/** L3: which of these incidents have a postmortem past due and unpublished at `now` (the Overdue badges). */
export function overduePostmortems(db: Executor, rows: readonly { incident: { id: number; postmortemDueAt: number | null } }[], now: number): Set<number> {
  const statuses = postmortemStatuses(db, rows.map((r) => r.incident.id));
  return new Set(rows.filter((r) => isPostmortemOverdue(r.incident.postmortemDueAt, statuses.get(r.incident.id) ?? null, now)).map((r) => r.incident.id));
}
