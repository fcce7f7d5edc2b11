import { expect, test } from "./fixtures";
import { AuditPage } from "./pages/audit-page";
import { Dashboard } from "./pages/dashboard";
import { SignInPage } from "./pages/sign-in-page";
import { UsersPage } from "./pages/users-page";
import { uniqueSuffix } from "./support/accounts";

// Roles are read from the database on every request: a revoked role or a disabled account
// counts on the person's very next request, without them signing out.
test("a revoked admin role and a disabled account take effect on the next request, and are audited", async ({ asUser, anonymousPage }) => {
  const email = `e2e-revoke-${uniqueSuffix()}@example.test`;
  const password = "revocation-password-1";
  const admin = await asUser("admin");
  const users = new UsersPage(admin);
  await users.goto();
  await users.createUser({ email, name: "Rey Revoked", password, roles: ["Administrator", "Developer"] });

  // The new person signs in elsewhere and administers users.
  const person = await anonymousPage();
  const signIn = new SignInPage(person);
  await signIn.goto();
  await signIn.signIn(email, password);
  const dash = new Dashboard(person);
  await expect(dash.roles).toContainText("Administrator");
  await expect(dash.roles).toContainText("Developer");
  await person.goto("/settings/users");
  await expect(person.getByRole("heading", { level: 1, name: "Users and roles" })).toBeVisible();

  // Admin revokes the admin role.
  await users.setRoles(email, ["Developer"]);

  // The very next request of that person is refused.
  await person.reload();
  await expect(dash.forbidden()).toBeVisible();
  await expect(person.getByRole("form", { name: "Create user" })).toHaveCount(0);
  await expect(dash.roles).toHaveText("Developer");
  await expect(dash.navLink("Settings")).toHaveCount(0);

  // Admin disables the account; the next navigation lands on the sign-in page with the reason.
  await users.disable(email);
  await expect(users.card(email)).toContainText("disabled");
  await person.goto("/releases");
  await expect(person).toHaveURL((url) => url.pathname === "/sign-in" && url.searchParams.get("error") === "AccountDisabled");
  await expect(signIn.error).toHaveText("Your account is disabled. Ask an administrator to enable it.");
  // Signing in again does not help.
  await signIn.signInExpectingError(email, password, "This account is disabled. Ask an administrator to enable it.");

  // Both changes are in the audit timeline, by the admin, about this person.
  const audit = new AuditPage(admin);
  await audit.goto();
  await audit.filter({ actor: "admin@flightdeck.local", action: "role.revoke" });
  const revoke = audit.rows.filter({ hasText: email });
  await expect(revoke).toHaveCount(1);
  await expect(revoke).toContainText('"role":"admin"');
  await audit.filter({ action: "user.disable" });
  await expect(audit.rows.filter({ hasText: email })).toHaveCount(1);
  expect(new Set(await audit.actionsShown())).toEqual(new Set(["user.disable"]));
});
