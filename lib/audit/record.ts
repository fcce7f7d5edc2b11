import { randomUUID } from "node:crypto";
import type { Executor } from "@/db/connection";
import { databaseFileOf, insertAuditEvent, lastAuditLink } from "@/db/queries/audit";
import { type AnyActor, actorLabel } from "@/lib/domain/actor";
import type { AuditAction } from "@/lib/domain/audit-actions";
import { tokenEnvironmentVerdict } from "@/lib/domain/authorize";
import { ForbiddenError } from "@/lib/errors";
import { GENESIS_HASH, canonicalJson, hashEvent, storableEvent } from "@/lib/domain/audit-chain";
import { enqueueNotifications } from "@/lib/services/notifications/enqueue-notifications";
import { signedHighWater, trailFilesFor } from "./trail-files";

export interface AuditInput {
  actor: AnyActor;
  action: AuditAction;
  /** Roles the actor acted under; defaults to all of the actor's roles. */
  roles?: readonly string[];
  subjectType?: string;
  subjectId?: string | number;
  environment?: string;
  details?: Record<string, unknown>;
  requestId?: string;
  at?: number;
}

/**
 * Appends one event to the hash chain. Call it inside the same (IMMEDIATE) transaction as the
 * state change it describes, so that neither commits without the other (DESIGN rule 6).
 * An API token caller's events all carry `details.apiTokenId` (A5), whichever service writes them.
 * Backstop for token environment limits: an event about another environment than the token's
 * throws FORBIDDEN, which rolls the caller's whole transaction back.
 */
export function recordAudit(tx: Executor, input: AuditInput): { id: number; hash: string } {
  const via = input.actor.kind === "user" ? input.actor.via : undefined;
  const place = tokenEnvironmentVerdict(input.actor, input.environment);
  if (!place.ok) throw new ForbiddenError(place.message, "token.environment");
  const details = via?.kind === "token" ? { ...input.details, apiTokenId: via.tokenId } : (input.details ?? {});
  const last = lastAuditLink(tx);
  const file = databaseFileOf(tx);
  // Above every id a checkpoint has signed, so a deleted signed event's id is never reused.
  const highWater = file === ":memory:" || file === "" ? 0 : signedHighWater(trailFilesFor(file).checkpoints);
  // storableEvent: hashed exactly as stored, whatever text the event carries (lone surrogates).
  const row = storableEvent({
    id: Math.max(last?.id ?? 0, highWater) + 1,
    // Never earlier than the previous event: timeline order is chain order, and time filters rely on it.
    createdAt: Math.max(input.at ?? Date.now(), last?.createdAt ?? 0),
    actorId: input.actor.kind === "user" ? input.actor.id : null,
    actorLabel: actorLabel(input.actor),
    roles: JSON.stringify(input.roles ?? (input.actor.kind === "user" ? input.actor.roles : [])),
    action: input.action,
    subjectType: input.subjectType ?? null,
    subjectId: input.subjectId === undefined ? null : String(input.subjectId),
    environment: input.environment ?? null,
    details: canonicalJson(details),
    requestId: input.requestId ?? randomUUID(),
    prevHash: last?.hash ?? GENESIS_HASH,
  });
  const hash = hashEvent(row);
  insertAuditEvent(tx, { ...row, hash });
  // The chat messages this event announces join its transaction (L2 outbox): none without the event.
  // Their clock is the caller's (`at`), not the chain's never-earlier createdAt.
  const actorName = input.actor.kind === "user" ? input.actor.name : input.actor.label;
  enqueueNotifications(tx, { id: row.id, action: row.action, actorName, subjectType: row.subjectType, subjectId: row.subjectId, environment: row.environment, details, at: input.at ?? row.createdAt });
  return { id: row.id, hash };
}
