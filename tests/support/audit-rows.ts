import type Database from "better-sqlite3";
import type { ChainedFields } from "@/lib/domain/audit-chain";

/** An event's chained fields exactly as stored (for tamper tests that forge a row and re-hash it). */
export function storedChainedFields(sqlite: Database.Database, id: number): ChainedFields {
  const r = sqlite.prepare("SELECT * FROM audit_events WHERE id = ?").get(id) as Record<string, string | number | null>;
  return {
    id: r.id as number,
    createdAt: r.created_at as number,
    actorId: r.actor_id as number | null,
    actorLabel: r.actor_label as string,
    roles: r.roles as string,
    action: r.action as string,
    subjectType: r.subject_type as string | null,
    subjectId: r.subject_id as string | null,
    environment: r.environment as string | null,
    details: r.details as string,
    requestId: r.request_id as string | null,
    prevHash: r.prev_hash as string,
  };
}
