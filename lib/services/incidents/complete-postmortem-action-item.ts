import "server-only";
import { getDb } from "@/db/client";
import { completeActionItem, findActionItem, postmortemOf } from "@/db/queries/postmortems";
import { writeTransaction } from "@/db/transaction";
import type { Actor } from "@/lib/domain/actor";
import { utcDate } from "@/lib/domain/incidents/postmortem";
import { NotFoundError, PreconditionError } from "@/lib/errors";
import { assertMayWritePostmortem, auditPostmortem, incidentOrNotFound } from "./postmortem-internal";

/** Marks an action item done (L3): its owner may, and whoever may write the postmortem. */
export function completePostmortemActionItem(actor: Actor, input: { incidentId: number; itemId: number }, requestId?: string, now = Date.now()) {
  return writeTransaction(getDb(), (tx) => {
    const incident = incidentOrNotFound(tx, input.incidentId);
    const postmortem = postmortemOf(tx, incident.id);
    const item = findActionItem(tx, input.itemId);
    if (!postmortem || !item || item.postmortemId !== postmortem.id) throw new NotFoundError("Action item");
    if (actor.via?.kind === "token" || item.ownerId !== actor.id) assertMayWritePostmortem(actor, incident);
    if (item.doneAt !== null) throw new PreconditionError("This action item is already done.");
    const done = completeActionItem(tx, item.id, actor.id, now);
    if (!done) throw new PreconditionError("This action item is already done.");
    auditPostmortem(
      tx,
      actor,
      incident,
      "postmortem.action_item_done",
      { postmortemId: postmortem.id, itemId: item.id, dueOn: item.dueOn, late: item.dueOn < utcDate(now) },
      null,
      requestId,
      now,
    );
    return done;
  });
}
