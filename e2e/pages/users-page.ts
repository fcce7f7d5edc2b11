import { type Locator, type Page, expect } from "@playwright/test";

/** /settings/users: create people, set roles, disable accounts (admin only). */
export class UsersPage {
  readonly createForm: Locator;

  constructor(readonly page: Page) {
    this.createForm = page.getByRole("form", { name: "Create user" });
  }

  async goto(): Promise<void> {
    await this.page.goto("/settings/users");
    await expect(this.page.getByRole("heading", { name: "Users and roles" })).toBeVisible();
  }

  card(email: string): Locator {
    return this.page.getByTestId(`user-${email}`);
  }

  async createUser(u: { email: string; name: string; password: string; roles: string[] }): Promise<void> {
    await this.createForm.getByLabel("Email").fill(u.email);
    await this.createForm.getByLabel("Name").fill(u.name);
    await this.createForm.getByLabel("Initial password").fill(u.password);
    for (const role of u.roles) await this.createForm.getByRole("checkbox", { name: role, exact: true }).check();
    await this.createForm.getByRole("button", { name: "Create user" }).click();
    await expect(this.createForm.getByRole("status")).toHaveText("User created.");
    await expect(this.card(u.email)).toBeVisible();
  }

  /** Makes the person's roles exactly `roles` (labels) with the card's "Save roles" form. */
  async setRoles(email: string, roles: string[]): Promise<void> {
    const form = this.page.getByRole("form", { name: `Roles of ${email}` });
    for (const box of await form.getByRole("checkbox").all()) {
      const label = (await box.evaluate((el) => el.parentElement?.textContent ?? "")).trim();
      await box.setChecked(roles.includes(label));
    }
    await form.getByRole("button", { name: "Save roles" }).click();
    await expect(form.getByRole("status")).toHaveText("Roles saved.");
  }

  /** Clicks "Disable account" and accepts the confirm() dialog. */
  async disable(email: string): Promise<void> {
    const form = this.page.getByRole("form", { name: `Disable ${email}` });
    this.page.once("dialog", (dialog) => {
      expect(dialog.type()).toBe("confirm");
      expect(dialog.message()).toContain(`Disable ${email}?`);
      void dialog.accept();
    });
    await form.getByRole("button", { name: "Disable account" }).click();
    await expect(this.page.getByRole("form", { name: `Enable ${email}` }).getByRole("button", { name: "Enable account" })).toBeVisible();
  }
}
