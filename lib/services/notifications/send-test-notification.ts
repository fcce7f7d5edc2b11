import "server-only";
import type { z } from "zod";
import { getDb } from "@/db/client";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import type { channelIdInput } from "@/lib/domain/notifications/channels";
import { TEST_KIND } from "@/lib/domain/notifications/events";
import { PreconditionError } from "@/lib/errors";
import { queueMessage } from "./enqueue-notifications";
import { channelDetails, channelOr404 } from "./internal";

/** "Send test": an outbox message to one channel, delivered by the worker like any other (its log shows the answer). */
export function sendTestNotification(actor: Actor, input: z.output<typeof channelIdInput>, requestId?: string, now = Date.now()) {
  assertCan(actor, "notification.manage");
  return writeTransaction(getDb(), (tx) => {
    const channel = channelOr404(tx, input.channelId);
    if (!channel.enabled) throw new PreconditionError(`"${channel.name}" is disabled: enable it to send a test.`);
    const event = recordAudit(tx, { actor, action: "notification.test", subjectType: "notification_channel", subjectId: channel.id, details: channelDetails(channel), requestId, at: now });
    const text = `🧪 Flightdeck test message for "${channel.name}", sent by ${actor.name} at ${new Date(now).toISOString()}.`;
    const message = queueMessage(tx, { channelId: channel.id, kind: TEST_KIND, auditEventId: event.id, subject: `notification_channel ${channel.id}`, text, variables: { actor: actor.name }, now })!;
    return { messageId: message.id };
  });
}
