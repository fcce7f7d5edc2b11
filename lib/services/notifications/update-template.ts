import "server-only";
import type { z } from "zod";
import { getDb } from "@/db/client";
import { deleteTemplate, findTemplate, upsertTemplate } from "@/db/queries/notifications";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import { DEFAULT_TEMPLATES, templateError, type templateInput } from "@/lib/domain/notifications/templates";
import { InvalidError } from "@/lib/errors";

/** Saves an event kind's message template (validated: unknown variables refused); empty text restores the default. */
export function updateTemplate(actor: Actor, input: z.output<typeof templateInput>, requestId?: string, now = Date.now()) {
  assertCan(actor, "notification.manage");
  // Checked here too, not only by the form's schema: no caller stores a template that cannot render.
  const error = input.body ? templateError(input.eventKind, input.body) : null;
  if (error) throw new InvalidError("Please correct the highlighted fields.", { body: [error] });
  return writeTransaction(getDb(), (tx) => {
    const before = findTemplate(tx, input.eventKind)?.body ?? DEFAULT_TEMPLATES[input.eventKind];
    if (input.body) upsertTemplate(tx, { eventKind: input.eventKind, body: input.body, updatedBy: actor.id, updatedAt: now });
    else deleteTemplate(tx, input.eventKind);
    const after = input.body || DEFAULT_TEMPLATES[input.eventKind];
    recordAudit(tx, { actor, action: "notification.template_update", subjectType: "notification_template", subjectId: input.eventKind, details: { before, after, isDefault: !input.body }, requestId, at: now });
    return { eventKind: input.eventKind, body: after };
  });
}
