import "server-only";
import { getDb } from "@/db/client";
import { writeTransaction } from "@/db/transaction";
import type { Actor } from "@/lib/domain/actor";
import type { PostmortemInput } from "@/lib/domain/incidents/postmortem";
import { writePostmortem } from "./postmortem-internal";

/** Starts or saves the postmortem draft of an incident (L3); audited as `postmortem.save`. */
export function savePostmortem(actor: Actor, input: PostmortemInput, requestId?: string, now = Date.now()) {
  return writeTransaction(getDb(), (tx) => writePostmortem(tx, actor, input, false, requestId, now));
}
