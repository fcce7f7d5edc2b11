import { type Locator, type Page, expect } from "@playwright/test";

/** /settings/tokens: a person's API tokens (create, see the secret once, revoke); everyone's for admins. */
export class TokensPage {
  readonly createForm: Locator;
  readonly secretPanel: Locator;
  readonly secret: Locator;
  readonly mine: Locator;
  readonly everyone: Locator;

  constructor(readonly page: Page) {
    this.createForm = page.getByRole("form", { name: "Create API token" });
    this.secretPanel = page.getByRole("alert", { name: "New API token" });
    this.secret = page.getByTestId("token-secret");
    this.mine = page.getByRole("table", { name: "Your tokens" });
    this.everyone = page.getByRole("table", { name: "All tokens" });
  }

  async goto(): Promise<void> {
    await this.page.goto("/settings/tokens");
    await expect(this.page.getByRole("heading", { level: 1, name: "API tokens" })).toBeVisible();
  }

  /** Scope checkboxes are labelled "Read: ...", "Deploy: ..."; pick by the label's start. */
  scope(label: string): Locator {
    return this.createForm.getByRole("checkbox", { name: new RegExp(`^${label}:`) });
  }

  /** Creates a token and returns its secret, read from the once-only panel. */
  async create(t: { name: string; scopes: string[]; environment?: string; days?: number }): Promise<string> {
    await this.createForm.getByLabel("Name").fill(t.name);
    for (const s of t.scopes) await this.scope(s).check();
    if (t.environment) await this.createForm.getByLabel("Environment").selectOption({ label: `Only ${t.environment}` });
    if (t.days !== undefined) await this.createForm.getByLabel("Expires in (days)").fill(String(t.days));
    await this.createForm.getByRole("button", { name: "Create token" }).click();
    await expect(this.secretPanel).toBeVisible();
    return (await this.secret.textContent())?.trim() ?? "";
  }

  row(table: Locator, name: string): Locator {
    return table.locator(`tr[data-token-name="${name}"]`);
  }

  /** Clicks Revoke in the token's row, accepts the confirmation, waits for "revoked". */
  async revoke(table: Locator, name: string): Promise<void> {
    const row = this.row(table, name);
    this.page.once("dialog", (dialog) => {
      expect(dialog.type()).toBe("confirm");
      expect(dialog.message()).toContain(`Revoke the API token “${name}”`);
      void dialog.accept();
    });
    await row.getByRole("button", { name: "Revoke" }).click();
    await expect(row).toContainText("revoked");
    await expect(row.getByRole("button", { name: "Revoke" })).toHaveCount(0);
  }
}
