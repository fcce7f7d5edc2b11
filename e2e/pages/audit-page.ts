import { type Locator, type Page, expect } from "@playwright/test";

export interface AuditFilter {
  actor?: string;
  action?: string;
  environment?: string;
}

/** /audit: the hash-chained timeline with its filter form, paging and exports. */
export class AuditPage {
  readonly table: Locator;
  readonly rows: Locator;
  readonly chainBadge: Locator;
  readonly exportJson: Locator;
  readonly exportCsv: Locator;
  readonly older: Locator;
  readonly filterForm: Locator;
  readonly actorInput: Locator;
  readonly actionSelect: Locator;
  readonly environmentSelect: Locator;

  constructor(readonly page: Page) {
    this.table = page.getByRole("table", { name: "Audit events" });
    this.rows = this.table.locator("tbody tr");
    this.chainBadge = page.getByTestId("chain-badge");
    this.exportJson = page.getByRole("link", { name: "Export JSON" });
    this.exportCsv = page.getByRole("link", { name: "Export CSV" });
    this.older = page.getByRole("navigation", { name: "Audit pages" }).getByRole("link", { name: "Older →" });
    this.filterForm = page.getByRole("form", { name: "Filter audit events" });
    // The selects sit inside their <label>, so their accessible names are "Action Any" etc.
    this.actorInput = this.filterForm.getByRole("textbox", { name: /^Actor\b/ });
    this.actionSelect = this.filterForm.getByRole("combobox", { name: /^Action\b/ });
    this.environmentSelect = this.filterForm.getByRole("combobox", { name: /^Environment\b/ });
  }

  async goto(query: Record<string, string> = {}): Promise<void> {
    const qs = new URLSearchParams(query).toString();
    await this.page.goto(qs ? `/audit?${qs}` : "/audit");
    await expect(this.page.getByRole("heading", { name: "Audit timeline" })).toBeVisible();
  }

  /** Uses the filter form like a person would (GET form submit). */
  async filter(f: AuditFilter): Promise<void> {
    if (f.actor !== undefined) await this.actorInput.fill(f.actor);
    if (f.action !== undefined) await this.actionSelect.selectOption(f.action);
    if (f.environment !== undefined) await this.environmentSelect.selectOption(f.environment);
    // A plain GET form: wait for the new document, even when the URL does not change.
    await Promise.all([
      this.page.waitForResponse((r) => r.request().isNavigationRequest() && new URL(r.url()).pathname === "/audit"),
      this.filterForm.getByRole("button", { name: "Filter" }).click(),
    ]);
    await this.page.waitForLoadState("domcontentloaded");
    await expect(this.page.getByRole("heading", { name: "Audit timeline" })).toBeVisible();
  }

  rowsWithAction(action: string): Locator {
    return this.table.locator(`tbody tr[data-action="${action}"]`);
  }

  /** Every data-action of the rows shown. */
  async actionsShown(): Promise<string[]> {
    return this.rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-action") ?? ""));
  }

  /** Ids (first column) of the rows shown, newest first. */
  async idsShown(): Promise<number[]> {
    return this.rows.evaluateAll((trs) => trs.map((tr) => Number(tr.querySelector("td")?.textContent ?? "NaN")));
  }
}
