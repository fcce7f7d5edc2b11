import { type Page, expect } from "@playwright/test";
import Database from "better-sqlite3";
import { BASE_URL, CALLBACK_PATH, DB_FILE, ISSUER, PROVIDER_NAME, type ProviderAccount } from "./settings";

/** The error message of the sign-in page (components/auth/sign-in-form.tsx; Next's route announcer is an alert too). */
export const signInError = (page: Page) => page.locator("#sign-in-error");

/** The sign-in button that starts single sign-on (components/auth/sign-in-form.tsx). */
export const ssoButton = (page: Page) => page.getByRole("button", { name: `Sign in with ${PROVIDER_NAME}` });

/** Opens Flightdeck's sign-in page (optionally with a query) and starts single sign-on. */
export async function startSso(page: Page, query = ""): Promise<void> {
  await page.goto(`/sign-in${query}`);
  await ssoButton(page).click();
}

/**
 * Goes through the provider's own pages: its sign-in form (the dev interaction takes any password;
 * the login picks the account), then its consent page when it asks.
 */
export async function loginAtProvider(page: Page, account: ProviderAccount): Promise<void> {
  await expect(page).toHaveURL((u) => u.origin === ISSUER && u.pathname.startsWith("/interaction/"));
  await page.locator('input[name="login"]').fill(account.login);
  await page.locator('input[name="password"]').fill("any password: the provider's dev login ignores it");
  await page.getByRole("button", { name: "Sign-in" }).click();
  const consent = page.getByRole("button", { name: "Continue" });
  // The provider asks for consent (its page says "Continue") unless it has the grant already;
  // either way the browser then returns to Flightdeck.
  const held = page.locator("#held-callback");
  await expect.poll(async () => new URL(page.url()).origin === BASE_URL || (await consent.isVisible()) || (await held.isVisible())).toBe(true);
  if (await consent.isVisible()) await consent.click();
}

/** The whole flow from Flightdeck's sign-in page until the browser is back on Flightdeck's origin. */
export async function signInWithSso(page: Page, account: ProviderAccount, query = ""): Promise<void> {
  await startSso(page, query);
  await loginAtProvider(page, account);
  await expect(page).toHaveURL((u) => u.origin === BASE_URL);
}

/**
 * Runs the flow up to the provider's redirect back to Flightdeck and stops there (the provider
 * holds that one redirect, provider.mjs): the callback URL (code, state, iss) is returned unused,
 * so a test can send it, altered or not, itself.
 */
export async function captureCallback(page: Page, account: ProviderAccount): Promise<URL> {
  const res = await fetch(`${ISSUER}/__e2e/hold-next-callback`, { method: "POST" });
  expect(res.status).toBe(204);
  await startSso(page, "");
  await loginAtProvider(page, account);
  const held = page.locator("#held-callback");
  await expect(held).toBeVisible();
  const url = new URL((await held.textContent()) ?? "");
  expect(url.origin + url.pathname).toBe(`${BASE_URL}${CALLBACK_PATH}`);
  return url;
}

/** The user menu of a signed-in page, or the sign-in page for anybody else. */
export async function expectSignedOut(page: Page): Promise<void> {
  await page.goto("/");
  await expect(page).toHaveURL((u) => u.origin === BASE_URL && u.pathname === "/sign-in");
  await expect(page.getByRole("heading", { name: "Sign in to Flightdeck" })).toBeVisible();
}

export async function expectSignedInAs(page: Page, name: string, roles: string): Promise<void> {
  await page.goto("/");
  await expect(page).toHaveURL((u) => u.origin === BASE_URL && u.pathname === "/");
  await expect(page.getByTestId("current-user")).toContainText(name);
  await expect(page.getByLabel("Your roles")).toHaveText(roles);
}

export interface AuditRow {
  id: number;
  action: string;
  actorLabel: string;
  roles: string[];
  subjectType: string | null;
  subjectId: string | null;
  details: Record<string, unknown>;
}

/** Audit events after `afterId`, read from the suite's database file (the server writes them). */
export function auditSince(afterId: number): AuditRow[] {
  const db = new Database(DB_FILE, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare("SELECT id, action, actor_label, roles, subject_type, subject_id, details FROM audit_events WHERE id > ? ORDER BY id").all(afterId) as {
      id: number;
      action: string;
      actor_label: string;
      roles: string;
      subject_type: string | null;
      subject_id: string | null;
      details: string;
    }[];
    return rows.map((r) => ({
      id: r.id,
      action: r.action,
      actorLabel: r.actor_label,
      roles: JSON.parse(r.roles) as string[],
      subjectType: r.subject_type,
      subjectId: r.subject_id,
      details: JSON.parse(r.details) as Record<string, unknown>,
    }));
  } finally {
    db.close();
  }
}

export function lastAuditId(): number {
  const db = new Database(DB_FILE, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare("SELECT coalesce(max(id), 0) FROM audit_events").pluck().get() as number) ?? 0;
  } finally {
    db.close();
  }
}

/** Makes the provider's next token response carry its ID token with `iss` or `aud` replaced (provider.mjs). */
export async function nextIdTokenFrom(changes: { iss?: string; aud?: string }): Promise<void> {
  const res = await fetch(`${ISSUER}/__e2e/next-id-token`, { method: "POST", body: JSON.stringify(changes) });
  expect(res.status).toBe(204);
}

/** Why the provider's token endpoint last refused a code, as provider.mjs recorded it. */
export async function lastGrantError(): Promise<string> {
  const res = await fetch(`${ISSUER}/__e2e/last-grant-error`);
  return ((await res.json()) as { error: string }).error;
}
