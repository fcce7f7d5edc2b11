import "server-only";
import { getDb } from "@/db/client";
import { writeTransaction } from "@/db/transaction";
import type { Actor } from "@/lib/domain/actor";
import type { PostmortemInput } from "@/lib/domain/incidents/postmortem";
import { writePostmortem } from "./postmortem-internal";

/**
 * Saves the sections as sent and publishes the postmortem (L3): summary, impact, root causes and
 * resolution written, the incident mitigated or resolved. Audited as `postmortem.publish` with a
 * timeline entry; published ones no longer change (action items still do).
 */
export function publishPostmortem(actor: Actor, input: PostmortemInput, requestId?: string, now = Date.now()) {
  return writeTransaction(getDb(), (tx) => writePostmortem(tx, actor, input, true, requestId, now));
}
