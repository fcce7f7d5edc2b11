import { expect, test } from "./fixtures";
import { TokensPage } from "./pages/tokens-page";
import { uniqueSuffix } from "./support/accounts";

// API tokens (issue 11 item 1, A5): created in Settings, shown once, usable on the API with a
// Bearer header and no cookie, revoked with a confirmation, and refused on the very next call.
const EXPORT = "/api/audit/export?format=json&action=system.seed";
const UNAUTHENTICATED = { ok: false, code: "UNAUTHENTICATED", message: "Authentication required: sign in, or send a valid API token as Authorization: Bearer <token>." };

test("create a token in Settings, see it once, call the API with it, revoke it: the same call gets 401", async ({ asUser, playwright, baseURL }) => {
  const page = await asUser("captain");
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
  const tokens = new TokensPage(page);
  const name = `e2e CI ${uniqueSuffix()}`;
  await page.goto("/");
  await page.getByRole("link", { name: "API tokens" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "API tokens" })).toBeVisible();
  // A captain is offered what their roles allow, and nothing that needs someone else's role.
  await expect(tokens.scope("Deploy")).toBeVisible();
  await expect(tokens.scope("Security gate")).toHaveCount(0);

  const secret = await tokens.create({ name, scopes: ["Read", "Audit export"], days: 7 });
  expect(secret).toMatch(/^fdk_[0-9A-Za-z]{36}$/);
  await expect(tokens.secretPanel).toContainText("it is shown only this once");
  await tokens.secretPanel.getByRole("button", { name: "Copy token" }).click();
  await expect(tokens.secretPanel.getByRole("status")).toHaveText("Copied.");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
  const row = tokens.row(tokens.mine, name);
  await expect(row).toContainText(`${secret.slice(0, 8)}…`);
  await expect(row).toContainText("Read, Audit export");
  await expect(row).toContainText("Never");
  await expect(row).toContainText("active");

  // Shown once: after a reload only the prefix is left, nowhere the secret.
  await tokens.goto();
  await expect(tokens.secret).toHaveCount(0);
  expect(await page.content()).not.toContain(secret.slice(8));

  // A client with no cookie at all (CI) calls the API with the token.
  const ci = await playwright.request.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
  const auth = { Authorization: `Bearer ${secret}` };
  const ok = await ci.get(EXPORT, { headers: auth });
  expect(ok.status()).toBe(200);
  expect(Array.isArray(await ok.json())).toBe(true);
  // Without the token the same client is refused, with the one 401 answer.
  const none = await ci.get(EXPORT);
  expect(none.status()).toBe(401);
  expect(await none.json()).toEqual(UNAUTHENTICATED);
  // A typo (the checksum catches it) gets the very same answer.
  const typo = await ci.get(EXPORT, { headers: { Authorization: `Bearer ${secret.slice(0, 10)}${secret[10] === "a" ? "b" : "a"}${secret.slice(11)}` } });
  expect(typo.status()).toBe(401);
  expect(await typo.json()).toEqual(UNAUTHENTICATED);

  // The list shows the use: when and from where.
  await tokens.goto();
  await expect(row).not.toContainText("Never");
  await expect(row).toContainText("from ");

  // Revoke (with a confirmation); the very next call with it is refused, the same way as no token.
  await tokens.revoke(tokens.mine, name);
  const after = await ci.get(EXPORT, { headers: auth });
  expect(after.status()).toBe(401);
  expect(await after.json()).toEqual(UNAUTHENTICATED);
  await ci.dispose();
});

test("bad input is refused with field errors; a token beyond its owner's roles or its scopes gets 403 with the reason", async ({ asUser, playwright, baseURL }) => {
  const page = await asUser("viewer");
  const tokens = new TokensPage(page);
  await tokens.goto();
  // A viewer may only read.
  await expect(tokens.scope("Read")).toBeVisible();
  await expect(tokens.scope("Deploy")).toHaveCount(0);
  await expect(tokens.scope("Audit export")).toHaveCount(0);
  await tokens.createForm.getByLabel("Expires in (days)").fill("400");
  await tokens.createForm.getByRole("button", { name: "Create token" }).click();
  await expect(tokens.createForm.getByRole("alert")).toHaveAttribute("data-code", "INVALID");
  await expect(tokens.createForm).toContainText("Name the token");
  await expect(tokens.createForm).toContainText("Choose at least one scope.");
  await expect(tokens.createForm).toContainText("At most 365 days (one year).");
  await expect(tokens.secret).toHaveCount(0);

  const name = `e2e reader ${uniqueSuffix()}`;
  await tokens.createForm.getByLabel("Expires in (days)").fill("30");
  const secret = await tokens.create({ name, scopes: ["Read"] });
  const ci = await playwright.request.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
  const res = await ci.get(EXPORT, { headers: { Authorization: `Bearer ${secret}` } });
  expect(res.status()).toBe(403);
  expect(await res.json()).toMatchObject({ code: "FORBIDDEN", message: "You do not have permission to do this (audit.export)." });

  // A captain may export the audit trail, but not with a read-only token.
  const captain = new TokensPage(await asUser("captain"));
  await captain.goto();
  const readOnly = await captain.create({ name: `e2e read-only ${uniqueSuffix()}`, scopes: ["Read"] });
  const scoped = await ci.get(EXPORT, { headers: { Authorization: `Bearer ${readOnly}` } });
  expect(scoped.status()).toBe(403);
  expect(await scoped.json()).toMatchObject({ code: "FORBIDDEN", message: "This API token's scopes do not allow this (audit.export)." });
  await ci.dispose();
});

test("an administrator sees everyone's tokens and revokes someone else's", async ({ asUser, playwright, baseURL }) => {
  const owner = new TokensPage(await asUser("oncall"));
  await owner.goto();
  const name = `e2e oncall ${uniqueSuffix()}`;
  const secret = await owner.create({ name, scopes: ["Read", "Roll back"], environment: "staging" });

  const admin = new TokensPage(await asUser("admin"));
  await admin.goto();
  const row = admin.row(admin.everyone, name);
  await expect(row).toContainText("oncall@flightdeck.local");
  await expect(row).toContainText("staging");
  await admin.revoke(admin.everyone, name);

  const ci = await playwright.request.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
  const res = await ci.get("/api/rollouts/1", { headers: { Authorization: `Bearer ${secret}` } });
  expect(res.status()).toBe(401);
  await ci.dispose();
  await owner.goto();
  await expect(owner.row(owner.mine, name)).toContainText("revoked");
});
