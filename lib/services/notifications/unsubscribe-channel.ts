import "server-only";
import type { z } from "zod";
import { getDb } from "@/db/client";
import { deleteSubscription, findSubscription } from "@/db/queries/notifications";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import type { unsubscribeInput } from "@/lib/domain/notifications/channels";
import { NotFoundError } from "@/lib/errors";

/** Removes one subscription of a channel. */
export function unsubscribeChannel(actor: Actor, input: z.output<typeof unsubscribeInput>, requestId?: string, now = Date.now()) {
  assertCan(actor, "notification.manage");
  return writeTransaction(getDb(), (tx) => {
    const sub = findSubscription(tx, input.subscriptionId);
    if (!sub) throw new NotFoundError("Subscription");
    deleteSubscription(tx, sub.id);
    const details = { subscriptionId: sub.id, eventKind: sub.eventKind, serviceId: sub.serviceId, environmentId: sub.environmentId };
    recordAudit(tx, { actor, action: "notification.unsubscribe", subjectType: "notification_channel", subjectId: sub.channelId, details, requestId, at: now });
    return { id: sub.id };
  });
}
