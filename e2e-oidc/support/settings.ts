import path from "node:path";

/**
 * The single sign-on suite's settings (playwright.oidc.config.ts, issue 15): Flightdeck on its own
 * port and database, and an OpenID Provider (oidc-provider, e2e-oidc/support/provider.mjs) that the
 * suite starts itself on 127.0.0.1. Ports: E2E_OIDC_APP_PORT (3300), E2E_OIDC_PORT (3350).
 */
export const APP_PORT = Number(process.env.E2E_OIDC_APP_PORT ?? 3300);
export const PROVIDER_PORT = Number(process.env.E2E_OIDC_PORT ?? 3350);
export const BASE_URL = `http://localhost:${APP_PORT}`;
export const ISSUER = `http://127.0.0.1:${PROVIDER_PORT}`;
/** What next-auth uses as redirect URI for the provider with id "oidc" (lib/auth/options.ts). */
export const REDIRECT_URI = `${BASE_URL}/api/auth/callback/oidc`;
export const CALLBACK_PATH = "/api/auth/callback/oidc";
export const CLIENT_ID = "flightdeck-e2e";
// Test-only secret of a provider that lives for one run on 127.0.0.1.
export const CLIENT_SECRET = "flightdeck-e2e-oidc-client-secret-not-for-production";
export const PROVIDER_NAME = "Example SSO";

export const ROOT = path.resolve(import.meta.dirname, "..", "..");
export const DATA_DIR = path.resolve(ROOT, process.env.E2E_OIDC_DATA_DIR ?? "data/e2e-oidc");
export const DB_FILE = path.join(DATA_DIR, "flightdeck-e2e.db");

/** A person at the provider: the login typed on its sign-in page, and the claims it releases. */
export interface ProviderAccount {
  login: string;
  email: string;
  email_verified: boolean;
  name: string;
}

/** The provider's accounts, and what Flightdeck holds for each email (created by global-setup.ts). */
export const ACCOUNTS = {
  /** Verified email of an enabled Flightdeck user with two roles. */
  captain: { login: "captain", email: "sso.captain@example.com", email_verified: true, name: "Casey at the IdP" },
  /** Verified email that no Flightdeck user has. */
  stranger: { login: "stranger", email: "stranger@example.com", email_verified: true, name: "Sam Stranger" },
  /** Email of an enabled Flightdeck user, but the provider has not verified it: anybody could have typed it. */
  unverified: { login: "unverified", email: "sso.unverified@example.com", email_verified: false, name: "Uma Unverified" },
  /** Verified email of a disabled Flightdeck user. */
  disabled: { login: "disabled", email: "sso.disabled@example.com", email_verified: true, name: "Dana Disabled" },
} as const satisfies Record<string, ProviderAccount>;

export const CAPTAIN_ROLES = ["release_captain", "security"] as const;

/** The Flightdeck users (global-setup.ts): the name shown in Flightdeck is Flightdeck's, not the provider's. */
export const FLIGHTDECK_USERS = [
  { email: ACCOUNTS.captain.email, name: "Casey Captain", roles: CAPTAIN_ROLES, disabled: false },
  { email: ACCOUNTS.unverified.email, name: "Uma Unverified", roles: ["viewer"], disabled: false },
  { email: ACCOUNTS.disabled.email, name: "Dana Disabled", roles: ["release_captain"], disabled: true },
] as const;
