import "server-only";
import type { z } from "zod";
import { getDb } from "@/db/client";
import { countUsersWithRole, findUserById, grantRole, revokeRole, rolesOfUser } from "@/db/queries/users";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import type { setRolesInput } from "@/lib/domain/catalog-inputs";
import { NotFoundError, PreconditionError } from "@/lib/errors";
import { demoMode } from "@/lib/env";

/** Makes the user's roles exactly `roles`: one role.grant / role.revoke event per change. */
export function setUserRoles(actor: Actor, input: z.output<typeof setRolesInput>, requestId?: string) {
  assertCan(actor, "user.manage");
  const now = Date.now();
  return writeTransaction(getDb(), (tx) => {
    const user = findUserById(tx, input.userId);
    if (!user) throw new NotFoundError("User");
    const current = new Set(rolesOfUser(tx, user.id));
    const wanted = new Set<string>(input.roles);
    const revoked = [...current].filter((r) => !wanted.has(r));
    const granted = [...wanted].filter((r) => !current.has(r));
    if (revoked.includes("admin") && !user.disabled && countUsersWithRole(tx, "admin", { includeDemo: demoMode() }) <= 1) {
      throw new PreconditionError("This is the last administrator: grant admin to someone else first.");
    }
    for (const role of revoked) {
      revokeRole(tx, user.id, role);
      recordAudit(tx, { actor, action: "role.revoke", subjectType: "user", subjectId: user.id, details: { email: user.email, role }, requestId, at: now });
    }
    for (const role of granted) {
      grantRole(tx, { userId: user.id, role, grantedBy: actor.id, at: now });
      recordAudit(tx, { actor, action: "role.grant", subjectType: "user", subjectId: user.id, details: { email: user.email, role }, requestId, at: now });
    }
    return { granted, revoked };
  });
}
