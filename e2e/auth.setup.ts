import { expect, test as setup } from "@playwright/test";
import { SignInPage } from "./pages/sign-in-page";
import { ALL_ACCOUNTS, DEMO_PASSWORD, storageStatePath } from "./support/accounts";

// One real sign-in per role through the form; the specs reuse the saved cookies.
setup.describe.configure({ mode: "parallel" });

for (const acct of ALL_ACCOUNTS) {
  setup(`sign in as ${acct.email}`, async ({ page }) => {
    const signIn = new SignInPage(page);
    await signIn.goto();
    await signIn.signIn(acct.email, DEMO_PASSWORD);
    await expect(page).toHaveURL((url) => url.pathname === "/");
    await expect(page.getByTestId("current-user")).toContainText(acct.label);
    await page.context().storageState({ path: storageStatePath(acct.email) });
  });
}
