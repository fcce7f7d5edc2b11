import { type Page, expect, test } from "@playwright/test";
import { auditSince, captureCallback, expectSignedInAs, expectSignedOut, lastAuditId, lastGrantError, nextIdTokenFrom, signInError, signInWithSso } from "./support/flow";
import { ACCOUNTS, BASE_URL, CALLBACK_PATH, CLIENT_ID, PROVIDER_PORT } from "./support/settings";

// What protects the way back from the provider (issue 15): state and PKCE (next-auth), a code
// usable once (the provider), and the ID token's issuer and audience (openid-client in
// Flightdeck). Every refusal lands on the sign-in page with the same clear message, leaves the
// browser signed out and is audited (action.refused for auth.sign_in, with openid-client's reason).

const REFUSED = "Single sign-on was refused: Flightdeck could not verify the identity provider's answer";

async function expectRefused(page: Page, before: number, reason: RegExp): Promise<void> {
  await expect(page).toHaveURL((u) => u.origin === BASE_URL && u.pathname === "/sign-in" && u.searchParams.get("error") === "OAuthCallback");
  await expect(signInError(page)).toContainText(REFUSED);
  const events = auditSince(before);
  expect(events.filter((e) => e.action === "auth.sign_in")).toEqual([]);
  const refused = events.filter((e) => e.action === "action.refused" && e.subjectId === "auth.sign_in");
  expect(refused).toHaveLength(1);
  expect(String(refused[0]!.details.reason)).toMatch(reason);
  await expectSignedOut(page);
}

function withParam(url: URL, name: string, value: string): string {
  const altered = new URL(url);
  altered.searchParams.set(name, value);
  return altered.toString();
}

test("a callback URL used once is refused when replayed, in the same browser and in another", async ({ page, browser }) => {
  let callback: URL | undefined;
  page.on("request", (req) => {
    if (req.url().startsWith(`${BASE_URL}${CALLBACK_PATH}?`)) callback ??= new URL(req.url());
  });
  await signInWithSso(page, ACCOUNTS.captain);
  await expectSignedInAs(page, "Casey Captain", "Release captain, Security");
  expect(callback?.searchParams.get("code")).toBeTruthy();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL((u) => u.pathname === "/sign-in");

  // Same browser: the state cookie was used up by the first callback.
  let before = lastAuditId();
  await page.goto(callback!.toString());
  await expectRefused(page, before, /state/i);

  // Another browser (a stolen URL): no state cookie at all.
  const other = await browser.newPage();
  before = lastAuditId();
  await other.goto(callback!.toString());
  await expectRefused(other, before, /state/i);
  await other.context().close();
});

test("an altered state is refused; the untouched callback still signs in", async ({ page }) => {
  const callback = await captureCallback(page, ACCOUNTS.captain);
  const before = lastAuditId();
  await page.goto(withParam(callback, "state", `${callback.searchParams.get("state")}x`));
  await expectRefused(page, before, /state/i);
  // The refusal was about the altered value only: the untouched callback still signs in.
  await page.goto(callback.toString());
  await expectSignedInAs(page, "Casey Captain", "Release captain, Security");
});

test("an altered code is refused by the provider", async ({ page }) => {
  const callback = await captureCallback(page, ACCOUNTS.captain);
  const before = lastAuditId();
  await page.goto(withParam(callback, "code", `${callback.searchParams.get("code")!.slice(0, -2)}AA`));
  await expectRefused(page, before, /invalid_grant/);
  expect(await lastGrantError()).toBe("invalid_grant: authorization code not found");
});

test("PKCE: a code issued to another browser's sign-in is refused even with that browser's state", async ({ browser }) => {
  // Two sign-ins, each stopped at the callback. Browser B gets A's code and A's state cookie
  // (so the state check passes) but keeps its own PKCE verifier: the provider must refuse the code.
  const a = await browser.newPage();
  const b = await browser.newPage();
  const callbackA = await captureCallback(a, ACCOUNTS.captain);
  await captureCallback(b, ACCOUNTS.captain);
  const stateA = (await a.context().cookies(BASE_URL)).find((c) => c.name === "next-auth.state");
  expect(stateA).toBeTruthy();
  await b.context().addCookies([stateA!]);
  const before = lastAuditId();
  await b.goto(callbackA.toString());
  await expectRefused(b, before, /invalid_grant/);
  // The provider's own reason: the verifier B sent does not match the challenge A's code was issued for.
  expect(await lastGrantError()).toBe("invalid_grant: code_verifier does not match code_challenge");

  // A's own verifier goes with A's code: that sign-in completes.
  await a.goto(callbackA.toString());
  await expectSignedInAs(a, "Casey Captain", "Release captain, Security");
  await Promise.all([a.context().close(), b.context().close()]);
});

test("an ID token from another issuer is refused, though its signature is valid", async ({ page }) => {
  // Re-signed with the provider's own key: only Flightdeck's issuer check can refuse it (provider.mjs).
  await nextIdTokenFrom({ iss: `http://127.0.0.1:${PROVIDER_PORT + 1}` });
  const before = lastAuditId();
  await signInWithSso(page, ACCOUNTS.captain);
  await expectRefused(page, before, /iss/);
});

test("an ID token for another audience is refused, though its signature is valid", async ({ page, browser }) => {
  await nextIdTokenFrom({ aud: `${CLIENT_ID}-other-app` });
  const before = lastAuditId();
  await signInWithSso(page, ACCOUNTS.captain);
  await expectRefused(page, before, /aud/);
  // The switch was for one answer only: the next sign-in (a fresh browser) gets the provider's own token again.
  const fresh = await browser.newPage();
  await signInWithSso(fresh, ACCOUNTS.captain);
  await expectSignedInAs(fresh, "Casey Captain", "Release captain, Security");
  await fresh.context().close();
});
