import "server-only";
import { getDb } from "@/db/client";
import { findEnvironmentByName } from "@/db/queries/catalog";
import { insertOverride } from "@/db/queries/governance";
import { AuditedRefusal, refusableTransaction } from "@/lib/audit/refusal";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import { fieldNames } from "@/lib/domain/input-summary";
import { mayCreateOverride, overrideExpiresAt, overrideInputSchema } from "@/lib/domain/policy/overrides";
import { ForbiddenError, InvalidError } from "@/lib/errors";

/**
 * A time-limited override (E3, E4). Validated here rather than in the action so that a refused
 * one (bad TTL, beyond one's role) is audited like every other refusal.
 */
export function createOverride(actor: Actor, raw: unknown, requestId?: string, now = Date.now()) {
  assertCan(actor, "override.create");
  return refusableTransaction(getDb(), (tx) => {
    const refuse = (error: InvalidError | ForbiddenError, reason: string): never => {
      throw new AuditedRefusal(error, { actor, action: "override.refused", subjectType: "override", details: { fields: fieldNames(raw), reason }, requestId, at: now });
    };
    const parsed = overrideInputSchema.safeParse(raw);
    if (!parsed.success) return refuse(InvalidError.fromIssues(parsed.error.issues), parsed.error.issues.map((i) => i.message).join(" "));
    const input = parsed.data;
    const environment = findEnvironmentByName(tx, input.environment);
    if (!environment) return refuse(new InvalidError("Please correct the highlighted fields.", { environment: ["Unknown environment."] }), "unknown environment");
    const may = mayCreateOverride(actor.roles, input.action, environment);
    if (!may.ok) return refuse(new ForbiddenError(may.reason, "override.create"), may.reason);
    const row = insertOverride(tx, {
      action: input.action,
      environmentId: environment.id,
      reason: input.reason,
      createdBy: actor.id,
      ttlMinutes: input.ttlMinutes,
      createdAt: now,
      expiresAt: overrideExpiresAt(now, input.ttlMinutes),
    });
    recordAudit(tx, {
      actor,
      action: "override.create",
      subjectType: "override",
      subjectId: row.id,
      environment: environment.name,
      details: { action: row.action, reason: row.reason, ttlMinutes: row.ttlMinutes, expiresAt: new Date(row.expiresAt).toISOString() },
      requestId,
      at: now,
    });
    return row;
  });
}
