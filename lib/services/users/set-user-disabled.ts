import "server-only";
import type { z } from "zod";
import { getDb } from "@/db/client";
import { countUsersWithRole, findUserById, rolesOfUser, setUserDisabled as setDisabledRow } from "@/db/queries/users";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import type { setDisabledInput } from "@/lib/domain/catalog-inputs";
import { NotFoundError, PreconditionError } from "@/lib/errors";
import { demoMode } from "@/lib/env";

/** Disabling takes effect on the user's next request: every request reloads the account. */
export function setUserDisabled(actor: Actor, input: z.output<typeof setDisabledInput>, requestId?: string) {
  assertCan(actor, "user.manage");
  return writeTransaction(getDb(), (tx) => {
    const user = findUserById(tx, input.userId);
    if (!user) throw new NotFoundError("User");
    if (input.disabled && user.id === actor.id) throw new PreconditionError("You cannot disable your own account.");
    if (input.disabled && rolesOfUser(tx, user.id).includes("admin") && countUsersWithRole(tx, "admin", { includeDemo: demoMode() }) <= 1) {
      throw new PreconditionError("This is the last administrator and cannot be disabled.");
    }
    if (user.disabled === input.disabled) return { changed: false };
    setDisabledRow(tx, user.id, input.disabled);
    recordAudit(tx, {
      actor,
      action: input.disabled ? "user.disable" : "user.enable",
      subjectType: "user",
      subjectId: user.id,
      details: { email: user.email },
      requestId,
    });
    return { changed: true };
  });
}
