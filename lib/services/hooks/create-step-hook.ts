import "server-only";
import { getDb } from "@/db/client";
import { insertStepHook } from "@/db/queries/hooks";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import { createHookInput, parseHookInput } from "@/lib/domain/hooks/step-hooks";
import { maskUrl } from "@/lib/domain/notifications/channels";
import { assertHookFields, hookDetails, serviceOr404 } from "./internal";

/** Adds a step hook to a service (admins only: it is an outgoing call); its URL is only ever shown masked. */
export function createStepHook(actor: Actor, raw: unknown, requestId?: string, now = Date.now()) {
  assertCan(actor, "service.manage");
  const input = parseHookInput(createHookInput, raw);
  return writeTransaction(getDb(), (tx) => {
    const service = serviceOr404(tx, input.serviceId);
    assertHookFields(tx, input);
    const hook = insertStepHook(tx, {
      serviceId: service.id,
      stage: input.stage,
      name: input.name,
      url: input.url,
      method: input.method,
      bodyTemplate: input.body,
      timeoutMs: input.timeoutSeconds * 1000,
      retries: input.retries,
      retryDelayMs: input.retryDelaySeconds * 1000,
      enabled: true,
      createdBy: actor.id,
      createdAt: now,
      updatedAt: now,
    });
    recordAudit(tx, { actor, action: "hook.create", subjectType: "service", subjectId: service.id, details: { hookId: hook.id, service: service.name, ...hookDetails(hook) }, requestId, at: now });
    return { id: hook.id, name: hook.name, url: maskUrl(hook.url) };
  });
}
