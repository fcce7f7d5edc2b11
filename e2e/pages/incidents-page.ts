import { type Locator, type Page, expect } from "@playwright/test";

export interface ManualIncident {
  title: string;
  kind: "outage" | "security" | "other";
  severity: "P1" | "P2";
  /** UTC, as the datetime-local field takes it: "2026-12-02T14:05". */
  detectedAt?: string;
  summary?: string;
}

/** A UTC instant as the form's datetime-local field takes it (minute precision). */
export const utcMinute = (ms: number): string => new Date(ms).toISOString().slice(0, 16);

/** /incidents (L1): open incidents with their SLA timers, the manual incident form. */
export class IncidentsPage {
  readonly form: Locator;

  constructor(readonly page: Page) {
    this.form = page.getByRole("form", { name: "Open an incident" });
  }

  async goto(): Promise<void> {
    await this.page.goto("/incidents");
    await expect(this.page.getByRole("heading", { level: 1, name: "Incidents" })).toBeVisible();
  }

  /** Fills and submits the form; the caller checks the outcome (the incident page, or the refusal). */
  async submit(i: ManualIncident): Promise<void> {
    await this.form.getByLabel("Title").fill(i.title);
    await this.form.getByLabel("Kind").selectOption(i.kind);
    await this.form.getByLabel("Severity").selectOption(i.severity);
    await this.form.getByLabel("Detected at (UTC, optional)").fill(i.detectedAt ?? "");
    if (i.summary) await this.form.getByLabel("Summary").fill(i.summary);
    await this.form.getByRole("button", { name: "Open incident" }).click();
  }

  /** Opens an incident and lands on its page; returns its id. */
  async open(i: ManualIncident): Promise<number> {
    await this.goto();
    await this.submit(i);
    await expect(this.page).toHaveURL(/\/incidents\/\d+$/);
    await expect(this.page.getByRole("heading", { level: 1 })).toContainText(i.title);
    return Number(new URL(this.page.url()).pathname.split("/").pop());
  }

  /** The incident's row in a list (the incidents page or the overview). */
  row(id: number): Locator {
    return this.page.locator(`tr[data-incident="${id}"]`);
  }
}

/** /incidents/[id]: SLA timers, respond buttons, timeline. */
export class IncidentPage {
  readonly timers: Locator;
  readonly status: Locator;
  readonly timeline: Locator;

  constructor(readonly page: Page) {
    this.timers = page.getByRole("list", { name: "SLA timers" });
    this.status = page.getByTestId("incident-status");
    this.timeline = page.getByRole("list", { name: "Incident timeline" });
  }

  async goto(id: number): Promise<void> {
    await this.page.goto(`/incidents/${id}`);
    await expect(this.page.getByRole("heading", { level: 1 })).toContainText(`#${id} `);
  }

  clock(name: "acknowledge" | "mitigate", within: Locator = this.timers): Locator {
    return within.locator(`[data-clock="${name}"]`);
  }

  entries(kind: string): Locator {
    return this.timeline.locator(`li[data-kind="${kind}"]`);
  }

  acknowledgeButton(): Locator {
    return this.page.getByRole("form", { name: "Acknowledge" }).getByRole("button", { name: "Acknowledge" });
  }
}
