import { type Locator, type Page, expect } from "@playwright/test";

/** /settings/environments: the environment list and the "Add environment" form. */
export class EnvironmentsPage {
  readonly form: Locator;
  readonly list: Locator;

  constructor(readonly page: Page) {
    this.form = page.getByRole("form", { name: "Add environment" });
    this.list = page.getByRole("table");
  }

  async goto(): Promise<void> {
    await this.page.goto("/settings/environments");
    await expect(this.page.getByRole("heading", { name: "Environments", exact: true })).toBeVisible();
  }

  async create(e: { name: string; description: string; production?: boolean; order?: number }): Promise<void> {
    await this.form.getByLabel("Name", { exact: true }).fill(e.name);
    await this.form.getByLabel("Description", { exact: true }).fill(e.description);
    if (e.order !== undefined) await this.form.getByLabel("Order", { exact: true }).fill(String(e.order));
    if (e.production) await this.form.getByRole("checkbox", { name: /Production-class/ }).check();
    await this.form.getByRole("button", { name: "Add environment" }).click();
    await expect(this.form.getByRole("status")).toHaveText("Saved.");
  }

  row(name: string): Locator {
    return this.list.getByRole("row").filter({ has: this.page.getByRole("link", { name, exact: true }) });
  }
}
