import "server-only";
import { getDb } from "@/db/client";
import { insertActionItem, postmortemOf } from "@/db/queries/postmortems";
import { findUserById } from "@/db/queries/users";
import { writeTransaction } from "@/db/transaction";
import type { Actor } from "@/lib/domain/actor";
import { type ActionItemInput, dueDateError } from "@/lib/domain/incidents/postmortem";
import { clip } from "@/lib/domain/input-summary";
import { InvalidError, PreconditionError } from "@/lib/errors";
import { assertMayWritePostmortem, auditPostmortem, incidentOrNotFound } from "./postmortem-internal";

/**
 * An action item of the postmortem (L3): an owner who is an enabled account, a due date not
 * before the day it is added (UTC). Refused with the field's own message otherwise.
 */
export function addPostmortemActionItem(actor: Actor, input: ActionItemInput, requestId?: string, now = Date.now()) {
  return writeTransaction(getDb(), (tx) => {
    const incident = incidentOrNotFound(tx, input.incidentId);
    assertMayWritePostmortem(actor, incident);
    const postmortem = postmortemOf(tx, incident.id);
    if (!postmortem) throw new PreconditionError("Save the postmortem draft before adding action items.");
    const owner = findUserById(tx, input.ownerId);
    const errors: Record<string, string[]> = {};
    if (!owner || owner.disabled) errors.ownerId = ["The owner must be an enabled account: choose one from the list."];
    const due = dueDateError(input.dueOn, now);
    if (due) errors.dueOn = [due];
    if (Object.keys(errors).length) throw new InvalidError("Please correct the highlighted fields.", errors);
    const item = insertActionItem(tx, { postmortemId: postmortem.id, text: input.text, kind: input.kind, ownerId: input.ownerId, dueOn: input.dueOn, createdBy: actor.id, createdAt: now });
    auditPostmortem(
      tx,
      actor,
      incident,
      "postmortem.action_item_add",
      { postmortemId: postmortem.id, itemId: item.id, kind: item.kind, ownerId: item.ownerId, dueOn: item.dueOn, text: clip(item.text, 300) },
      null,
      requestId,
      now,
    );
    return item;
  });
}
