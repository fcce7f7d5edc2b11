import "server-only";
import type { Tx } from "@/db/connection";
import { findService } from "@/db/queries/catalog";
import { type StepHookRow, findStepHook, findStepHookByName } from "@/db/queries/hooks";
import { HOOK_MESSAGES } from "@/lib/domain/hooks/step-hooks";
import { maskUrl, webhookUrlError } from "@/lib/domain/notifications/channels";
import { ConflictError, InvalidError, NotFoundError } from "@/lib/errors";

// Helpers that run inside a caller's transaction (DESIGN section 6: verbs, helpers, read models).

export function hookOr404(tx: Tx, id: number): StepHookRow {
  const hook = findStepHook(tx, id);
  if (!hook) throw new NotFoundError("Hook");
  return hook;
}

export function serviceOr404(tx: Tx, id: number) {
  const service = findService(tx, id);
  if (!service) throw new NotFoundError("Service");
  return service;
}

/** Refuses a name the service's other hooks have, and (again, behind the schema) a URL that is not http(s). */
export function assertHookFields(tx: Tx, v: { serviceId: number; name: string; url: string | null }, exceptId?: number): void {
  const clash = findStepHookByName(tx, v.serviceId, v.name);
  if (clash && clash.id !== exceptId) throw new ConflictError(HOOK_MESSAGES.nameTaken(v.name), { name: [HOOK_MESSAGES.nameTaken(v.name)] });
  const urlError = v.url === null ? null : webhookUrlError(v.url);
  if (urlError) throw new InvalidError("Please correct the highlighted fields.", { url: [urlError] });
}

/** What the audit trail keeps of a hook: the URL masked as channels show it (never its secret path or credentials). */
export const hookDetails = (h: Pick<StepHookRow, "name" | "stage" | "url" | "method" | "bodyTemplate" | "timeoutMs" | "retries" | "retryDelayMs" | "enabled">) => ({
  name: h.name,
  stage: h.stage,
  method: h.method,
  url: maskUrl(h.url),
  body: h.bodyTemplate,
  timeoutMs: h.timeoutMs,
  retries: h.retries,
  retryDelayMs: h.retryDelayMs,
  enabled: h.enabled,
});
