import "server-only";
import { getDb } from "@/db/client";
import { findUserByEmail, findUserById, rolesOfUser } from "@/db/queries/users";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";

/** Audits a sign-out (next-auth event); unknown ids are ignored. */
export function recordSignOut(userId: number): void {
  const db = getDb();
  const user = findUserById(db, userId);
  if (!user) return;
  writeTransaction(db, (tx) =>
    recordAudit(tx, {
      actor: { kind: "user", id: user.id, email: user.email, name: user.name, roles: [] },
      roles: rolesOfUser(tx, user.id),
      action: "auth.sign_out",
      subjectType: "account",
      subjectId: user.email,
    }),
  );
}

/**
 * OIDC sign-in maps the verified e-mail to an existing, enabled local account (an admin creates
 * it and assigns roles); nobody gets in, or gets roles, just by holding an IdP account.
 */
export function resolveOidcSignIn(email: string | null | undefined, issuer: string): number | null {
  const db = getDb();
  const normalized = (email ?? "").trim().toLowerCase();
  const user = normalized ? findUserByEmail(db, normalized) : undefined;
  const ok = Boolean(user && !user.disabled && !user.demo);
  writeTransaction(db, (tx) =>
    recordAudit(tx, {
      actor: user ? { kind: "user", id: user.id, email: user.email, name: user.name, roles: [] } : { kind: "system", label: "system" },
      roles: ok && user ? rolesOfUser(tx, user.id) : [],
      action: ok ? "auth.sign_in" : "auth.sign_in_failed",
      subjectType: "account",
      subjectId: normalized || "(no email)",
      details: ok ? { method: "oidc", issuer } : { method: "oidc", issuer, reason: user ? "account disabled or demo-only" : "no local account with this email" },
    }),
  );
  return ok && user ? user.id : null;
}
