import "server-only";
import { getDb } from "@/db/client";
import { deleteWindow as deleteWindowRow, findWindow } from "@/db/queries/governance";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import { NotFoundError } from "@/lib/errors";

/** Removes a window from the calendar; the audit event keeps what it was. */
export function deleteWindow(actor: Actor, input: { windowId: number }, requestId?: string, now = Date.now()) {
  assertCan(actor, "window.manage");
  return writeTransaction(getDb(), (tx) => {
    const w = findWindow(tx, input.windowId);
    if (!w) throw new NotFoundError("Window");
    deleteWindowRow(tx, w.id);
    recordAudit(tx, {
      actor,
      action: "window.delete",
      subjectType: "window",
      subjectId: w.id,
      details: { kind: w.kind, name: w.name, recurrence: w.recurrence, startsAt: new Date(w.startsAt).toISOString(), endsAt: new Date(w.endsAt).toISOString() },
      requestId,
      at: now,
    });
    return { id: w.id };
  });
}
