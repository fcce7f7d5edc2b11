import { type Locator, type Page, expect } from "@playwright/test";

/** /settings/services: the service list and the "Add service" form. */
export class ServicesPage {
  readonly form: Locator;
  readonly formMessage: Locator;
  readonly list: Locator;

  constructor(readonly page: Page) {
    this.form = page.getByRole("form", { name: "Add service" });
    this.formMessage = this.form.getByRole("alert");
    this.list = page.getByRole("table");
  }

  async goto(): Promise<void> {
    await this.page.goto("/settings/services");
    await expect(this.page.getByRole("heading", { name: "Services", exact: true })).toBeVisible();
  }

  field(label: string): Locator {
    return this.form.getByLabel(label, { exact: true });
  }

  /** The error text rendered under a field: the `<input id>-error` element its aria-describedby links. */
  async fieldError(label: string): Promise<Locator> {
    const id = await this.field(label).getAttribute("id");
    if (!id) throw new Error(`field ${label} has no id`);
    return this.form.locator(`[id="${id}-error"]`);
  }

  async fill(s: { name: string; owner?: string; description?: string; deployTarget?: string; migrations?: string }): Promise<void> {
    await this.field("Name").fill(s.name);
    await this.field("Owner").fill(s.owner ?? "E2E team");
    if (s.description !== undefined) await this.field("Description").fill(s.description);
    if (s.deployTarget !== undefined) await this.field("Deploy target (JSON)").fill(s.deployTarget);
    if (s.migrations !== undefined) await this.field("Migrations (JSON)").fill(s.migrations);
  }

  async submit(): Promise<void> {
    await this.form.getByRole("button", { name: "Add service" }).click();
  }

  serviceLink(name: string): Locator {
    return this.list.getByRole("link", { name, exact: true });
  }

  serviceRow(name: string): Locator {
    return this.list.getByRole("row").filter({ has: this.page.getByRole("link", { name, exact: true }) });
  }
}
