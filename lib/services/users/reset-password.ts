import "server-only";
import type { z } from "zod";
import { getDb } from "@/db/client";
import { findUserById, setUserPassword } from "@/db/queries/users";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import type { resetPasswordInput } from "@/lib/domain/catalog-inputs";
import { hashPassword } from "@/lib/domain/password";
import { NotFoundError } from "@/lib/errors";

export async function resetPassword(actor: Actor, input: z.output<typeof resetPasswordInput>, requestId?: string) {
  assertCan(actor, "user.manage");
  const passwordHash = await hashPassword(input.password);
  return writeTransaction(getDb(), (tx) => {
    const user = findUserById(tx, input.userId);
    if (!user) throw new NotFoundError("User");
    setUserPassword(tx, user.id, passwordHash);
    recordAudit(tx, { actor, action: "user.password_reset", subjectType: "user", subjectId: user.id, details: { email: user.email }, requestId });
    return { id: user.id };
  });
}
