import { expect, test } from "./fixtures";
import { AuditPage } from "./pages/audit-page";
import { SignInPage } from "./pages/sign-in-page";
import { UsersPage } from "./pages/users-page";
import { uniqueSuffix } from "./support/accounts";

// Sign-in throttle: 5 failures for one account from one address lock that address out for a
// while, even with the right password (SIGNIN_MAX_FAILURES=5 by default).
test("five wrong passwords lock the account out, even for the right password, and it is audited", async ({ asUser, anonymousPage }) => {
  const email = `e2e-throttle-${uniqueSuffix()}@example.test`;
  const password = "throttle-password-1";
  const admin = await asUser("admin");
  const users = new UsersPage(admin);
  await users.goto();
  await users.createUser({ email, name: "Theo Throttled", password, roles: ["Viewer"] });

  const page = await anonymousPage();
  const signIn = new SignInPage(page);
  await signIn.goto();
  for (let i = 1; i <= 5; i++) {
    await signIn.signInExpectingError(email, `wrong-password-${i}`, "Email or password is incorrect.");
  }
  await signIn.signInExpectingError(email, password, /Too many failed sign-in attempts/);
  // Still not signed in.
  await page.goto("/");
  await expect(page).toHaveURL((url) => url.pathname === "/sign-in");

  const audit = new AuditPage(admin);
  await audit.goto();
  await audit.filter({ actor: email, action: "auth.sign_in_failed" });
  await expect(audit.rows).toHaveCount(5);
  await expect(audit.rows.first()).toContainText("Email or password is incorrect.");
  await audit.filter({ actor: "", action: "auth.sign_in_throttled" });
  const throttled = audit.rows.filter({ hasText: `account ${email}` });
  await expect(throttled).toHaveCount(1);
  await expect(throttled).toContainText("system");
  // The refused correct password was never a successful sign-in.
  await audit.goto({ action: "auth.sign_in", subjectId: email });
  await expect(audit.rows).toHaveCount(0);
});
