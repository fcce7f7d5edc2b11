import type { AuditEventRow } from "@/db/queries/audit";

/** An audit event as the REST API answers it (/api/v1/audit): the stored row with its JSON columns parsed. */
export function auditEventResource(e: AuditEventRow) {
  return {
    id: e.id,
    createdAt: e.createdAt,
    actorId: e.actorId,
    actorLabel: e.actorLabel,
    roles: JSON.parse(e.roles) as string[],
    action: e.action,
    subjectType: e.subjectType,
    subjectId: e.subjectId,
    environment: e.environment,
    details: JSON.parse(e.details) as Record<string, unknown>,
    requestId: e.requestId,
    prevHash: e.prevHash,
    hash: e.hash,
  };
}
