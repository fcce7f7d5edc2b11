import "server-only";
import { getDb } from "@/db/client";
import { deleteStepHook as deleteStepHookRow } from "@/db/queries/hooks";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import { deleteHookInput, parseHookInput } from "@/lib/domain/hooks/step-hooks";
import { hookDetails, hookOr404, serviceOr404 } from "./internal";

/** Removes a step hook; the audit trail keeps what it was (URL masked). */
export function deleteStepHook(actor: Actor, raw: unknown, requestId?: string, now = Date.now()) {
  assertCan(actor, "service.manage");
  const input = parseHookInput(deleteHookInput, raw);
  return writeTransaction(getDb(), (tx) => {
    const hook = hookOr404(tx, input.id);
    const service = serviceOr404(tx, hook.serviceId);
    deleteStepHookRow(tx, hook.id);
    recordAudit(tx, { actor, action: "hook.delete", subjectType: "service", subjectId: service.id, details: { hookId: hook.id, service: service.name, ...hookDetails(hook) }, requestId, at: now });
    return { id: hook.id };
  });
}
