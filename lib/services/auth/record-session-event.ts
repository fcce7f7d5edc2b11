import "server-only";
import { getDb } from "@/db/client";
import { findUserByEmail, findUserById, rolesOfUser } from "@/db/queries/users";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import type { OidcIdentity } from "@/lib/auth/oidc-identity";

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

export type OidcRefusal = "no_email" | "email_unverified" | "no_account" | "disabled";
export type OidcSignInOutcome = { ok: true; userId: number } | { ok: false; refusal: OidcRefusal };

const REFUSAL_REASON: Record<OidcRefusal | "demo", string> = {
  no_email: "the identity provider sent no email",
  email_unverified: "email not verified by the identity provider",
  no_account: "no local account with this email",
  disabled: "account disabled",
  demo: "demo-only account (password sign-in only)",
};

/**
 * OIDC sign-in maps the provider-verified e-mail (lib/auth/oidc-identity.ts) to an existing,
 * enabled local account (an admin creates it and assigns roles); nobody gets in, or gets roles,
 * just by holding an IdP account. Audited either way: `auth.sign_in`, or `auth.sign_in_failed`
 * with the reason. An unverified email is attributed to nobody: it may not be that person's.
 */
export function resolveOidcSignIn(identity: OidcIdentity, issuer: string): OidcSignInOutcome {
  const db = getDb();
  const user = identity.ok ? findUserByEmail(db, identity.email) : undefined;
  const refusal: OidcRefusal | "demo" | null = !identity.ok ? identity.reason : !user ? "no_account" : user.disabled ? "disabled" : user.demo ? "demo" : null;
  writeTransaction(db, (tx) =>
    recordAudit(tx, {
      actor: user ? { kind: "user", id: user.id, email: user.email, name: user.name, roles: [] } : { kind: "system", label: "system" },
      roles: refusal === null && user ? rolesOfUser(tx, user.id) : [],
      action: refusal === null ? "auth.sign_in" : "auth.sign_in_failed",
      subjectType: "account",
      subjectId: identity.email ?? "(no email)",
      details: refusal === null ? { method: "oidc", issuer } : { method: "oidc", issuer, reason: REFUSAL_REASON[refusal] },
    }),
  );
  if (refusal === null && user) return { ok: true, userId: user.id };
  return { ok: false, refusal: refusal === "demo" || refusal === null ? "no_account" : refusal };
}
