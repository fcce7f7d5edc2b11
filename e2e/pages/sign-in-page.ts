import { type Locator, type Page, expect } from "@playwright/test";

/** /sign-in: the email + password form. */
export class SignInPage {
  readonly email: Locator;
  readonly password: Locator;
  readonly submit: Locator;
  readonly error: Locator;

  constructor(readonly page: Page) {
    this.email = page.getByLabel("Email");
    this.password = page.getByLabel("Password");
    this.submit = page.getByRole("button", { name: "Sign in", exact: true });
    // Scoped to <main>: Next's route announcer is a role=alert too.
    this.error = page.getByRole("main").getByRole("alert");
  }

  async goto(): Promise<void> {
    await this.page.goto("/sign-in");
    await expect(this.page.getByRole("heading", { name: "Sign in to Flightdeck" })).toBeVisible();
  }

  /** Fills and submits the form and waits for the server's answer to the credentials. */
  async submitCredentials(email: string, password: string): Promise<void> {
    await this.email.fill(email);
    await this.password.fill(password);
    await Promise.all([
      this.page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/api/auth/callback/credentials"),
      this.submit.click(),
    ]);
  }

  /** Signs in and waits until the dashboard header shows the person. */
  async signIn(email: string, password: string): Promise<void> {
    await this.submitCredentials(email, password);
    await expect(this.page.getByTestId("current-user")).toBeVisible();
  }

  /** Submits credentials that must be refused and checks the error shown (text or pattern). */
  async signInExpectingError(email: string, password: string, expected: string | RegExp): Promise<void> {
    await this.submitCredentials(email, password);
    await expect(this.submit).toBeEnabled();
    await expect(this.error).toHaveText(expected);
    await expect(this.page).toHaveURL((url) => url.pathname === "/sign-in");
  }
}
