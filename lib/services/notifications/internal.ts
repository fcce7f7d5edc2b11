import "server-only";
import type { Tx } from "@/db/connection";
import { type ChannelRow, findChannel, findChannelByName } from "@/db/queries/notifications";
import { webhookUrlError } from "@/lib/domain/notifications/channels";
import { ConflictError, InvalidError, NotFoundError } from "@/lib/errors";

// Helpers that run inside a caller's transaction (DESIGN section 6: verbs, helpers, read models).

/** The channel or 404. */
export function channelOr404(tx: Tx, id: number): ChannelRow {
  const channel = findChannel(tx, id);
  if (!channel) throw new NotFoundError("Channel");
  return channel;
}

/** Refuses a name another channel has, and (again, behind the form's schema) a URL that is not http(s). */
export function assertChannelFields(tx: Tx, v: { name: string; url: string | null }, exceptId?: number): void {
  const clash = findChannelByName(tx, v.name);
  if (clash && clash.id !== exceptId) throw new ConflictError(`A channel named "${v.name}" already exists.`, { name: ["This name is taken."] });
  const urlError = v.url === null ? null : webhookUrlError(v.url);
  if (urlError) throw new InvalidError("Please correct the highlighted fields.", { url: [urlError] });
}

/** What the audit trail keeps of a channel: never its URL (a secret that would let anyone post to it). */
export const channelDetails = (c: Pick<ChannelRow, "name" | "kind" | "enabled">) => ({ name: c.name, kind: c.kind, enabled: c.enabled });
