import "server-only";
import type { Tx } from "@/db/connection";
import { listAuditEvents } from "@/db/queries/audit";
import { findEnvironment, findService } from "@/db/queries/catalog";
import { type IncidentRow, incidentOfRollout, insertIncident } from "@/db/queries/incidents";
import { findRelease } from "@/db/queries/releases";
import type { RolloutRow } from "@/db/queries/rollouts";
import type { AnyActor } from "@/lib/domain/actor";
import { postmortemDueAt, rollbackDetectedAt, rollbackSeverity } from "@/lib/domain/incidents/rules";
import { type AuditFact, rolloutTimeline } from "@/lib/domain/incidents/timeline";
import { startsARollback } from "@/lib/domain/rollout/audit-of";
import { addTimeline, auditIncident } from "./internal";

/**
 * K2: a rollback that completed in production opens an incident by itself, in the rollout event's
 * transaction: P1 for an automatic immediate rollback, P2 otherwise; linked to the rollout and its
 * release; its timeline built from the rollout's audit events. A rollout ends a rollback either as
 * `rolled_back` (abort) or as a succeeded redeploy of the earlier version (executeRollback).
 * Anything else, another environment, or a second call for the same rollout opens nothing.
 */
export function openRollbackIncident(tx: Tx, rollout: RolloutRow, actor: AnyActor, now: number): IncidentRow | undefined {
  if (rollout.status !== "rolled_back" && rollout.status !== "succeeded") return undefined;
  const environment = findEnvironment(tx, rollout.environmentId);
  if (!environment?.production || incidentOfRollout(tx, rollout.id)) return undefined;
  const events: AuditFact[] = listAuditEvents(tx, { subjectType: "rollout", subjectId: String(rollout.id) }, { limit: 500 })
    .events.reverse()
    .map((e) => ({ id: e.id, at: e.createdAt, action: e.action, actorLabel: e.actorLabel, details: JSON.parse(e.details) as Record<string, unknown> }));
  const redeploy = events.some(startsARollback);
  if (rollout.status === "succeeded" && !redeploy) return undefined;

  const abort = events.findLast((e) => e.action === "rollout.abort");
  const automatic = abort?.details.automatic === true;
  const immediate = !((abort?.details.event as { drainMs?: number } | undefined)?.drainMs ?? 0);
  const severity = rollbackSeverity({ automatic, immediate });
  const release = rollout.releaseId ? findRelease(tx, rollout.releaseId) : undefined;
  const service = findService(tx, rollout.serviceId)!;
  // A redeploy rollout goes from the bad version back to the good one; an abort leaves fromVersion serving.
  const [bad, restored] = redeploy ? [rollout.fromVersion, rollout.toVersion] : [rollout.toVersion, rollout.fromVersion];
  const timeline = rolloutTimeline(events, { service: service.name, environment: environment.name, deployed: rollout.toVersion, replaced: rollout.fromVersion, restored, redeploy });
  // The SLA clocks run from the breach the analysis (or a failed step) detected, else from now.
  const detectedAt = rollbackDetectedAt(events, now);
  const incident = insertIncident(tx, {
    title: `Rollback of ${service.name} ${bad ?? ""} in ${environment.name}`.replace(/\s+/g, " "),
    kind: "rollback",
    severity,
    status: "open",
    summary: rollout.reason ?? "",
    serviceId: rollout.serviceId,
    environmentId: environment.id,
    rolloutId: rollout.id,
    releaseId: release?.id ?? null,
    openedAt: now,
    detectedAt,
    postmortemDueAt: postmortemDueAt(now, release?.hotfix ?? false),
    updatedAt: now,
  });
  addTimeline(tx, incident.id, timeline);
  auditIncident(
    tx,
    actor,
    incident,
    "incident.open",
    { kind: "opened", text: `${severity} incident opened by the ${automatic ? "automatic" : "manual"} rollback of rollout #${rollout.id}.` },
    { kind: "rollback", rolloutId: rollout.id, releaseId: release?.id ?? null, automatic, immediate, detectedAt, postmortemDueAt: incident.postmortemDueAt },
    undefined,
    now,
  );
  return incident;
}
