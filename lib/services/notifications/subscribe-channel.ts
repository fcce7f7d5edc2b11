import "server-only";
import type { z } from "zod";
import { getDb } from "@/db/client";
import { findEnvironment, findService } from "@/db/queries/catalog";
import { findSameSubscription, insertSubscription } from "@/db/queries/notifications";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import type { subscribeInput } from "@/lib/domain/notifications/channels";
import { ConflictError, InvalidError } from "@/lib/errors";
import { channelOr404 } from "./internal";

/** Subscribes a channel to an event kind, optionally only for one service and/or environment. */
export function subscribeChannel(actor: Actor, input: z.output<typeof subscribeInput>, requestId?: string, now = Date.now()) {
  assertCan(actor, "notification.manage");
  return writeTransaction(getDb(), (tx) => {
    const channel = channelOr404(tx, input.channelId);
    const service = input.serviceId === null ? null : findService(tx, input.serviceId);
    const environment = input.environmentId === null ? null : findEnvironment(tx, input.environmentId);
    if (service === undefined) throw new InvalidError("Please correct the highlighted fields.", { serviceId: ["Unknown service."] });
    if (environment === undefined) throw new InvalidError("Please correct the highlighted fields.", { environmentId: ["Unknown environment."] });
    const row = { channelId: channel.id, eventKind: input.eventKind, serviceId: service?.id ?? null, environmentId: environment?.id ?? null };
    if (findSameSubscription(tx, row)) throw new ConflictError(`"${channel.name}" already hears ${input.eventKind} for this scope.`);
    const sub = insertSubscription(tx, { ...row, createdBy: actor.id, createdAt: now });
    const details = { channelId: channel.id, channel: channel.name, eventKind: sub.eventKind, service: service?.name ?? null, environment: environment?.name ?? null };
    recordAudit(tx, { actor, action: "notification.subscribe", subjectType: "notification_channel", subjectId: channel.id, environment: environment?.name, details, requestId, at: now });
    return { id: sub.id };
  });
}
