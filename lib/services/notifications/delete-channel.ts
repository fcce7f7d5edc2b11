import "server-only";
import type { z } from "zod";
import { getDb } from "@/db/client";
import { deleteChannel as deleteChannelRow } from "@/db/queries/notifications";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import type { channelIdInput } from "@/lib/domain/notifications/channels";
import { channelDetails, channelOr404 } from "./internal";

/** Removes a channel with its subscriptions and delivery log; the audit trail keeps what it was. */
export function deleteChannel(actor: Actor, input: z.output<typeof channelIdInput>, requestId?: string, now = Date.now()) {
  assertCan(actor, "notification.manage");
  return writeTransaction(getDb(), (tx) => {
    const channel = channelOr404(tx, input.channelId);
    deleteChannelRow(tx, channel.id);
    recordAudit(tx, { actor, action: "notification.channel_delete", subjectType: "notification_channel", subjectId: channel.id, details: channelDetails(channel), requestId, at: now });
    return { id: channel.id };
  });
}
