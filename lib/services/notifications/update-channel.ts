import "server-only";
import type { z } from "zod";
import { getDb } from "@/db/client";
import { updateChannel as updateChannelRow } from "@/db/queries/notifications";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import { maskUrl, type updateChannelInput } from "@/lib/domain/notifications/channels";
import { ConflictError } from "@/lib/errors";
import { assertChannelFields, channelDetails, channelOr404 } from "./internal";

/** Renames, switches kind, replaces the URL (left empty: kept) or enables / disables a channel. */
export function updateChannel(actor: Actor, input: z.output<typeof updateChannelInput>, requestId?: string, now = Date.now()) {
  assertCan(actor, "notification.manage");
  return writeTransaction(getDb(), (tx) => {
    const before = channelOr404(tx, input.id);
    assertChannelFields(tx, input, before.id);
    const after = updateChannelRow(tx, before.id, input.rowVersion, { name: input.name, kind: input.kind, enabled: input.enabled, updatedAt: now, ...(input.url ? { url: input.url } : {}) });
    if (!after) throw new ConflictError("Someone changed this channel since you opened it. Reload and try again.");
    const details = { before: channelDetails(before), after: channelDetails(after), urlReplaced: after.url !== before.url };
    recordAudit(tx, { actor, action: "notification.channel_update", subjectType: "notification_channel", subjectId: after.id, details, requestId, at: now });
    return { id: after.id, rowVersion: after.rowVersion, url: maskUrl(after.url) };
  });
}
