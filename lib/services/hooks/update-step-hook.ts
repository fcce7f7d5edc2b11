import "server-only";
import { getDb } from "@/db/client";
import { updateStepHook as updateStepHookRow } from "@/db/queries/hooks";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import { updateHookInput, parseHookInput } from "@/lib/domain/hooks/step-hooks";
import { maskUrl } from "@/lib/domain/notifications/channels";
import { ConflictError } from "@/lib/errors";
import { assertHookFields, hookDetails, hookOr404, serviceOr404 } from "./internal";

/** Edits a step hook (URL left empty: kept); a stale form is CONFLICT. */
export function updateStepHook(actor: Actor, raw: unknown, requestId?: string, now = Date.now()) {
  assertCan(actor, "service.manage");
  const input = parseHookInput(updateHookInput, raw);
  return writeTransaction(getDb(), (tx) => {
    const before = hookOr404(tx, input.id);
    const service = serviceOr404(tx, before.serviceId);
    assertHookFields(tx, { serviceId: before.serviceId, name: input.name, url: input.url }, before.id);
    const after = updateStepHookRow(tx, before.id, input.rowVersion, {
      name: input.name,
      stage: input.stage,
      method: input.method,
      bodyTemplate: input.body,
      timeoutMs: input.timeoutSeconds * 1000,
      retries: input.retries,
      retryDelayMs: input.retryDelaySeconds * 1000,
      enabled: input.enabled,
      updatedAt: now,
      ...(input.url ? { url: input.url } : {}),
    });
    if (!after) throw new ConflictError("Someone changed this hook since you opened it. Reload and try again.");
    const details = { hookId: after.id, service: service.name, before: hookDetails(before), after: hookDetails(after), urlReplaced: after.url !== before.url };
    recordAudit(tx, { actor, action: "hook.update", subjectType: "service", subjectId: service.id, details, requestId, at: now });
    return { id: after.id, rowVersion: after.rowVersion, url: maskUrl(after.url) };
  });
}
