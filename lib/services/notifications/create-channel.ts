import "server-only";
import type { z } from "zod";
import { getDb } from "@/db/client";
import { insertChannel } from "@/db/queries/notifications";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import { type createChannelInput, maskUrl } from "@/lib/domain/notifications/channels";
import { assertChannelFields, channelDetails } from "./internal";

/** Adds a chat channel (L2); its URL is stored as given and only ever shown masked. */
export function createChannel(actor: Actor, input: z.output<typeof createChannelInput>, requestId?: string, now = Date.now()) {
  assertCan(actor, "notification.manage");
  return writeTransaction(getDb(), (tx) => {
    assertChannelFields(tx, input);
    const channel = insertChannel(tx, { name: input.name, kind: input.kind, url: input.url, enabled: true, createdBy: actor.id, createdAt: now, updatedAt: now });
    recordAudit(tx, { actor, action: "notification.channel_create", subjectType: "notification_channel", subjectId: channel.id, details: channelDetails(channel), requestId, at: now });
    return { id: channel.id, name: channel.name, url: maskUrl(channel.url) };
  });
}
