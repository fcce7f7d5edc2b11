import { expect, test } from "@playwright/test";
import { auditSince, expectSignedInAs, expectSignedOut, lastAuditId, loginAtProvider, signInError, signInWithSso, ssoButton } from "./support/flow";
import { ACCOUNTS, BASE_URL, ISSUER } from "./support/settings";

// Single sign-on through a real OpenID Provider (issue 15; A2, A3, M1): who gets in, with which
// roles, who is refused and how it is audited, sign-out, and the open-redirect rules of the flow.

test("a verified email of an enabled Flightdeck user signs in with that user's Flightdeck roles", async ({ page }) => {
  const before = lastAuditId();
  await signInWithSso(page, ACCOUNTS.captain);
  // Flightdeck's name and roles for that email, never the provider's ("Casey at the IdP").
  await expectSignedInAs(page, "Casey Captain", "Release captain, Security");
  await expect(page.getByTestId("current-user")).not.toContainText(ACCOUNTS.captain.name);

  const signIns = auditSince(before).filter((e) => e.action === "auth.sign_in");
  expect(signIns).toHaveLength(1);
  expect(signIns[0]).toMatchObject({ actorLabel: ACCOUNTS.captain.email, subjectId: ACCOUNTS.captain.email, details: { method: "oidc", issuer: ISSUER } });
  expect(signIns[0]!.roles.sort()).toEqual(["release_captain", "security"]);
});

const refusals = [
  {
    title: "an email that no Flightdeck user has",
    account: ACCOUNTS.stranger,
    error: "NoLocalAccount",
    message: "Single sign-on worked, but no Flightdeck account uses that email. Ask an administrator to create one for you.",
    reason: "no local account with this email",
    actor: "system",
  },
  {
    title: "an email the provider has not verified (even though a Flightdeck user has it)",
    account: ACCOUNTS.unverified,
    error: "OidcEmailUnverified",
    message: "Your identity provider has not verified your email address, so Flightdeck cannot match it to an account. Verify it there, then try again.",
    reason: "email not verified by the identity provider",
    actor: "system",
  },
  {
    title: "the email of a disabled Flightdeck user",
    account: ACCOUNTS.disabled,
    error: "AccountDisabled",
    message: "Your account is disabled. Ask an administrator to enable it.",
    reason: "account disabled",
    actor: ACCOUNTS.disabled.email,
  },
] as const;

for (const r of refusals) {
  test(`${r.title} is refused with a clear message and audited`, async ({ page }) => {
    const before = lastAuditId();
    await signInWithSso(page, r.account);
    await expect(page).toHaveURL((u) => u.pathname === "/sign-in" && u.searchParams.get("error") === r.error);
    await expect(signInError(page)).toHaveText(r.message);
    await expect(ssoButton(page)).toBeVisible();

    const events = auditSince(before);
    expect(events.filter((e) => e.action === "auth.sign_in")).toEqual([]);
    const failed = events.filter((e) => e.action === "auth.sign_in_failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ actorLabel: r.actor, roles: [], subjectId: r.account.email, details: { method: "oidc", issuer: ISSUER, reason: r.reason } });

    await expectSignedOut(page);
  });
}

test("sign-out ends the Flightdeck session: protected pages send the browser to sign-in", async ({ page, context }) => {
  await signInWithSso(page, ACCOUNTS.captain);
  await expectSignedInAs(page, "Casey Captain", "Release captain, Security");
  const before = lastAuditId();

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL((u) => u.origin === BASE_URL && u.pathname === "/sign-in");
  expect((await context.cookies(BASE_URL)).map((c) => c.name)).not.toContain("next-auth.session-token");
  for (const path of ["/", "/settings/tokens", "/audit"]) {
    await page.goto(path);
    await expect(page).toHaveURL((u) => u.pathname === "/sign-in");
  }
  expect(auditSince(before).filter((e) => e.action === "auth.sign_out")).toMatchObject([{ actorLabel: ACCOUNTS.captain.email }]);
});

test.describe("open redirect: the OIDC flow always ends on Flightdeck's origin", () => {
  test.beforeEach(async ({ page }) => {
    // No network here: should anything send the browser there, it lands on this page (and the assertions fail).
    await page.route(/^https?:\/\/evil\.example\//, (route) => route.fulfill({ status: 200, contentType: "text/html", body: "<h1>evil</h1>" }));
  });

  test("callbackUrl=https://evil.example/ on the sign-in page", async ({ page }) => {
    await signInWithSso(page, ACCOUNTS.captain, `?callbackUrl=${encodeURIComponent("https://evil.example/")}`);
    await expect(page).toHaveURL(`${BASE_URL}/`);
    await expect(page.getByTestId("current-user")).toContainText("Casey Captain");
  });

  for (const target of ["https://evil.example/", "//evil.example/x", "/\\evil.example"]) {
    test(`callbackUrl=${target} posted to next-auth's sign-in endpoint directly (past the page's own check)`, async ({ page }) => {
      await page.goto("/sign-in");
      // What next-auth/react's signIn() sends, with a hostile callbackUrl: next-auth keeps it in a
      // cookie until the OIDC callback. (A plain form post cannot be used: the page's CSP has
      // form-action 'self', which also stops the form's redirect to the provider.)
      await page.evaluate(async (callbackUrl) => {
        const { csrfToken } = (await (await fetch("/api/auth/csrf")).json()) as { csrfToken: string };
        const res = await fetch("/api/auth/signin/oidc", {
          method: "POST",
          headers: { "Content-Type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ csrfToken, callbackUrl, json: "true" }),
        });
        window.location.href = ((await res.json()) as { url: string }).url;
      }, target);
      await loginAtProvider(page, ACCOUNTS.captain);
      await expect(page).toHaveURL((u) => u.origin === BASE_URL);
      await expect(page.getByTestId("current-user")).toContainText("Casey Captain");
      expect(new URL(page.url()).origin).toBe(BASE_URL);
    });
  }
});
