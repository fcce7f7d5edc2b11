import { type Locator, type Page, expect } from "@playwright/test";

/** The "Canary analysis" form of /settings/services/<id>: the config JSON, Save and the draft replay's results. */
export class ServiceAnalysisPage {
  readonly form: Locator;
  readonly config: Locator;
  readonly limit: Locator;
  readonly replayButton: Locator;
  readonly message: Locator;
  readonly results: Locator;

  constructor(readonly page: Page) {
    this.form = page.getByRole("form", { name: "Canary analysis" });
    this.config = this.form.getByLabel("Analysis config (JSON)", { exact: true });
    this.limit = this.form.getByLabel("Past rollouts to replay", { exact: true });
    this.replayButton = this.form.getByRole("button", { name: "Replay draft over past rollouts" });
    this.message = this.form.getByRole("alert");
    this.results = this.form.getByRole("table", { name: /^Replay of the draft config/ });
  }

  /** Opens the service's settings from the services list. */
  async goto(service: string): Promise<void> {
    await this.page.goto("/settings/services");
    await this.page.getByRole("table").getByRole("link", { name: service, exact: true }).click();
    await expect(this.page.getByRole("heading", { name: `Service ${service}` })).toBeVisible();
  }

  /** Replaces the config JSON and saves it ("Saved." confirms). */
  async save(config: string | object): Promise<void> {
    await this.config.fill(typeof config === "string" ? config : JSON.stringify(config, null, 2));
    await this.form.getByRole("button", { name: "Save analysis" }).click();
    await expect(this.form.getByRole("status")).toHaveText("Saved.");
  }

  async replay(): Promise<void> {
    await this.replayButton.click();
  }

  /** The results row of one past rollout (its "#id" link). */
  row(rolloutId: number): Locator {
    return this.results.getByRole("row").filter({ has: this.page.getByRole("link", { name: `#${rolloutId}`, exact: true }) });
  }

  /** The error text under the config field: the `<id>-error` element its aria-describedby links. */
  async configError(): Promise<Locator> {
    const id = await this.config.getAttribute("id");
    if (!id) throw new Error("the config field has no id");
    return this.form.locator(`[id="${id}-error"]`);
  }
}
