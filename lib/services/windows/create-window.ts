import "server-only";
import { getDb } from "@/db/client";
import { insertWindow, listWindows } from "@/db/queries/governance";
import { AuditedRefusal, refusableTransaction } from "@/lib/audit/refusal";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import { fieldNames } from "@/lib/domain/input-summary";
import { WINDOW_MESSAGES, findOverlap, windowInputSchema } from "@/lib/domain/windows/calendar";
import { InvalidError } from "@/lib/errors";

/** Adds a freeze period or maintenance window (F1, F2); inverted or overlapping ones are refused and audited. */
export function createWindow(actor: Actor, raw: unknown, requestId?: string, now = Date.now()) {
  assertCan(actor, "window.manage");
  return refusableTransaction(getDb(), (tx) => {
    const refuse = (error: InvalidError, reason: string): never => {
      throw new AuditedRefusal(error, { actor, action: "window.refused", subjectType: "window", details: { fields: fieldNames(raw), reason }, requestId, at: now });
    };
    const parsed = windowInputSchema.safeParse(raw);
    if (!parsed.success) return refuse(InvalidError.fromIssues(parsed.error.issues), parsed.error.issues.map((i) => i.message).join(" "));
    const w = parsed.data;
    const clash = findOverlap(w, listWindows(tx), now);
    if (clash) {
      const message = WINDOW_MESSAGES.overlap(clash.name);
      return refuse(new InvalidError(message, { startsAt: [message] }), message);
    }
    const row = insertWindow(tx, { ...w, createdBy: actor.id, createdAt: now });
    recordAudit(tx, {
      actor,
      action: "window.create",
      subjectType: "window",
      subjectId: row.id,
      details: { kind: row.kind, name: row.name, recurrence: row.recurrence, startsAt: new Date(row.startsAt).toISOString(), endsAt: new Date(row.endsAt).toISOString() },
      requestId,
      at: now,
    });
    return row;
  });
}
