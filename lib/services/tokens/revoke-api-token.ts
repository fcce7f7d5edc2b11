import "server-only";
import type { z } from "zod";
import { getDb } from "@/db/client";
import { findApiToken, revokeApiTokenRow } from "@/db/queries/api-tokens";
import { findUserById } from "@/db/queries/users";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import type { revokeTokenInput } from "@/lib/domain/api-token";
import { actorCan } from "@/lib/domain/authorize";
import { ForbiddenError, NotFoundError } from "@/lib/errors";

/** Revokes a token at once (its next call gets 401): one's own, or anyone's for an administrator. Revoking twice changes nothing. */
export function revokeApiToken(actor: Actor, input: z.output<typeof revokeTokenInput>, requestId?: string, now = Date.now()) {
  assertCan(actor, "token.manage");
  return writeTransaction(getDb(), (tx) => {
    const token = findApiToken(tx, input.tokenId);
    if (!token) throw new NotFoundError("API token");
    if (token.userId !== actor.id && !actorCan(actor, "token.admin")) {
      throw new ForbiddenError("Only administrators may revoke someone else's API token.", "token.admin");
    }
    if (!revokeApiTokenRow(tx, token.id, actor.id, now)) return { changed: false };
    recordAudit(tx, {
      actor,
      action: "token.revoke",
      subjectType: "api_token",
      subjectId: token.id,
      details: { name: token.name, prefix: token.prefix, owner: findUserById(tx, token.userId)?.email ?? null },
      requestId,
      at: now,
    });
    return { changed: true };
  });
}
