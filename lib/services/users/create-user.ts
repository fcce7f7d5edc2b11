import "server-only";
import type { z } from "zod";
import { getDb } from "@/db/client";
import { findUserByEmail, grantRole, insertUser } from "@/db/queries/users";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import type { createUserInput } from "@/lib/domain/catalog-inputs";
import { hashPassword } from "@/lib/domain/password";
import { ConflictError } from "@/lib/errors";

export async function createUser(actor: Actor, input: z.output<typeof createUserInput>, requestId?: string) {
  assertCan(actor, "user.manage");
  // Hash outside the transaction: it is slow on purpose and transactions are synchronous.
  const passwordHash = await hashPassword(input.password);
  const now = Date.now();
  return writeTransaction(getDb(), (tx) => {
    if (findUserByEmail(tx, input.email)) {
      throw new ConflictError(`A user with email ${input.email} already exists.`, { email: ["This email is taken."] });
    }
    const user = insertUser(tx, { email: input.email, name: input.name, passwordHash, createdAt: now });
    recordAudit(tx, {
      actor,
      action: "user.create",
      subjectType: "user",
      subjectId: user.id,
      details: { email: user.email, name: user.name, roles: input.roles },
      requestId,
      at: now,
    });
    for (const role of input.roles) {
      grantRole(tx, { userId: user.id, role, grantedBy: actor.id, at: now });
      recordAudit(tx, { actor, action: "role.grant", subjectType: "user", subjectId: user.id, details: { email: user.email, role }, requestId, at: now });
    }
    return { id: user.id, email: user.email };
  });
}
