import { type Locator, type Page, expect } from "@playwright/test";

export interface NewRelease {
  /** sample-api unless told. */
  service?: string;
  /** Migration ids to tick, from the service's catalog. */
  migrations?: string[];
  version: string;
  commit: string;
  strategy?: object;
  hotfix?: boolean;
  sev1?: boolean;
  soakMinutes?: number;
}

/** /releases/new and /releases/[id]: the release form, the stepper, the checklist, the phase commands. */
export class ReleasePage {
  constructor(readonly page: Page) {}

  async create(r: NewRelease): Promise<number> {
    await this.page.goto("/releases/new");
    const form = this.page.getByRole("form", { name: "New release" });
    await form.getByLabel("Service", { exact: true }).selectOption({ label: r.service ?? "sample-api" });
    await form.getByLabel("Version", { exact: true }).fill(r.version);
    await form.getByLabel("Commit", { exact: true }).fill(r.commit);
    await form.getByLabel("Change-log entry").fill(`Release ${r.version}: faster checkout, fewer retries.`);
    for (const id of r.migrations ?? []) await form.getByRole("checkbox", { name: new RegExp(`^${id} \\(`) }).check();
    if (r.strategy) await form.getByLabel("Strategy (JSON)").fill(JSON.stringify(r.strategy));
    if (r.soakMinutes !== undefined) await form.getByLabel("Staging soak (minutes)").fill(String(r.soakMinutes));
    if (r.hotfix) await form.getByLabel(/Emergency hotfix/).check();
    if (r.sev1) await form.getByLabel(/SEV-1/).check();
    await form.getByRole("button", { name: "Create release" }).click();
    await this.page.waitForURL(/\/releases\/\d+$/);
    return Number(new URL(this.page.url()).pathname.split("/").pop());
  }

  async goto(id: number): Promise<void> {
    await this.page.goto(`/releases/${id}`);
    await expect(this.phase).toBeVisible();
  }

  get phase(): Locator {
    return this.page.getByTestId("release-phase");
  }

  item(key: string): Locator {
    return this.page.getByRole("list", { name: "Checklist" }).locator(`li[data-key="${key}"]`);
  }

  async runChecks(): Promise<void> {
    await this.page.getByRole("button", { name: "Run automated checks" }).click();
    for (const key of ["change_log", "rollback_plan", "environment_health"]) {
      await expect(this.item(key)).toHaveAttribute("data-status", "passed", { timeout: 20_000 });
    }
  }

  /** Signs one attestation item with evidence (and the backup time for the backup item). */
  async sign(key: string, evidence: string): Promise<void> {
    const item = this.item(key);
    await item.getByLabel("Evidence").fill(evidence);
    if (key === "backup_verified") {
      const twoHoursAgo = new Date(Date.now() - 2 * 3600_000).toISOString().slice(0, 16);
      await item.getByLabel("Backup taken at (UTC)").fill(twoHoursAgo);
    }
    await item.getByRole("button", { name: "Sign" }).click();
    await expect(item).toHaveAttribute("data-status", "passed");
    await expect(this.page.getByTestId("confirmation")).toContainText("Signed:");
  }

  /** Runs the release validation for an environment (C2) and waits until every gate passed. */
  async validate(environment: "staging" | "production"): Promise<void> {
    await this.page.getByRole("form", { name: `Validate for ${environment}` }).getByRole("button").click();
    const card = this.page.getByRole("region", { name: "Validations" }).locator(`[data-environment="${environment}"]`);
    await expect(card).toHaveAttribute("data-status", "passed", { timeout: 20_000 });
  }

  /** Clicks a phase command and returns its form (for the message it shows). */
  async command(label: string, fields: Record<string, string> = {}): Promise<Locator> {
    const form = this.page.getByRole("form", { name: label });
    for (const [name, value] of Object.entries(fields)) await form.getByLabel(name).fill(value);
    await form.getByRole("button", { name: label }).click();
    return form;
  }

  /** Opens "Edit release", fills the fields by label, saves, and returns the form (diff or refusal). */
  async edit(fields: Record<string, string>): Promise<Locator> {
    await this.page.getByTestId("edit-release").locator("summary").click();
    const form = this.page.getByRole("form", { name: "Edit release" });
    for (const [label, value] of Object.entries(fields)) await form.getByLabel(label, { exact: true }).fill(value);
    await form.getByRole("button", { name: "Save changes" }).click();
    return form;
  }

  async expectPhase(label: string, timeout = 10_000): Promise<void> {
    await expect(this.phase).toHaveText(label, { timeout });
  }
}

/** /approvals/[id]: approve or reject. */
export async function decide(page: Page, approvalId: number, decision: "Approve" | "Reject", comment = ""): Promise<Locator> {
  await page.goto(`/approvals/${approvalId}`);
  const form = page.getByRole("form", { name: decision });
  if (comment) await form.getByLabel(/Comment|Reason/).fill(comment);
  await form.getByRole("button", { name: decision }).click();
  return form;
}

/** The approval ids of a release, by role and kind, read from its page. */
export async function approvalIds(page: Page, releaseId: number): Promise<{ role: string; kind: string; status: string; id: number }[]> {
  await page.goto(`/releases/${releaseId}`);
  const rows = page.getByRole("table", { name: "Release approvals" }).locator("tbody tr");
  const out: { role: string; kind: string; status: string; id: number }[] = [];
  for (const row of await rows.all()) {
    const cells = await row.locator("td").allTextContents();
    const href = await row.getByRole("link").getAttribute("href");
    out.push({ role: cells[0]!, kind: cells[1]!, status: cells[2]!, id: Number(href!.split("/").pop()) });
  }
  return out;
}

/** /security: gate form, overrides, calendar. */
export class SecurityPage {
  constructor(readonly page: Page) {}

  async goto(): Promise<void> {
    await this.page.goto("/security");
    await expect(this.page.getByRole("heading", { level: 1, name: "Security gate" })).toBeVisible();
  }

  async setGate(mode: string, threatLevel = "none", reason = ""): Promise<Locator> {
    await this.goto();
    const form = this.page.getByRole("form", { name: "Set security gate" });
    await form.getByLabel("Mode").selectOption(mode);
    await form.getByLabel("Threat level").selectOption(threatLevel);
    if (reason) await form.getByLabel(/Reason/).fill(reason);
    await form.getByRole("button", { name: "Update gate" }).click();
    return form;
  }

  async createOverride(action: string, environment: string, reason: string, ttlMinutes: number): Promise<Locator> {
    await this.goto();
    const form = this.page.getByRole("form", { name: "Create override" });
    await form.getByLabel("Action").selectOption(action);
    await form.getByLabel("Environment").selectOption(environment);
    await form.getByLabel("TTL (minutes)").fill(String(ttlMinutes));
    await form.getByLabel(/Reason/).fill(reason);
    await form.getByRole("button", { name: "Create override" }).click();
    return form;
  }

  async addFreeze(name: string, from: Date, to: Date): Promise<Locator> {
    await this.goto();
    const form = this.page.getByRole("form", { name: "Add window" });
    await form.getByLabel("Kind").selectOption("freeze");
    await form.getByLabel("Name").fill(name);
    await form.getByLabel("Repeats").selectOption("none");
    await form.getByLabel("Starts (UTC)").fill(from.toISOString().slice(0, 16));
    await form.getByLabel("Ends (UTC)").fill(to.toISOString().slice(0, 16));
    await form.getByRole("button", { name: "Add window" }).click();
    return form;
  }
}
