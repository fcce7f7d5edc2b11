/**
 * Who an OpenID Provider says signed in (issue 15, A2). Pure: the claims come from the ID token
 * that openid-client has already checked (signature, iss, aud, exp) and, when that token does not
 * carry them, from the UserInfo endpoint (whose `sub` openid-client matches against the ID token).
 *
 * Claims used: `sub` (the profile id), `email` and `email_verified`. Only an email the provider
 * says it verified can name a Flightdeck account: an unverified one may belong to anybody.
 */

export type OidcIdentity = { ok: true; email: string } | { ok: false; reason: "no_email" | "email_unverified"; email: string | null };

/** The trimmed, lower-cased email of the claims, or null when there is none. */
export function oidcEmail(claims: Record<string, unknown>): string | null {
  const raw = claims.email;
  if (typeof raw !== "string") return null;
  const email = raw.trim().toLowerCase();
  return email.length > 0 && email.length <= 320 ? email : null;
}

/** True only for an explicit yes: `true`, or the string "true" some providers send. Absent means no. */
export function emailVerified(claims: Record<string, unknown>): boolean {
  const v = claims.email_verified;
  return v === true || (typeof v === "string" && v.trim().toLowerCase() === "true");
}

/** The identity to match against Flightdeck's accounts, or why there is none. */
export function oidcIdentity(claims: Record<string, unknown>): OidcIdentity {
  const email = oidcEmail(claims);
  if (email === null) return { ok: false, reason: "no_email", email: null };
  if (!emailVerified(claims)) return { ok: false, reason: "email_unverified", email };
  return { ok: true, email };
}

/**
 * True when the ID token lacks what the match needs. A provider that follows OpenID Connect Core
 * 5.4 returns the `email` scope's claims from the UserInfo endpoint, not in the ID token, whenever
 * an access token is issued (the authorization-code flow); others put them in the ID token.
 */
export function needsUserinfo(idTokenClaims: Record<string, unknown>): boolean {
  return oidcEmail(idTokenClaims) === null || idTokenClaims.email_verified === undefined;
}

/** The sign-in page's error keys for a refused single sign-on (app/(auth)/sign-in/page.tsx). */
export const OIDC_REFUSAL_ERROR = {
  no_email: "OidcNoEmail",
  email_unverified: "OidcEmailUnverified",
  no_account: "NoLocalAccount",
  disabled: "AccountDisabled",
} as const;
