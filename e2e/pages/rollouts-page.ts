import { type Locator, type Page, expect } from "@playwright/test";

export interface RolloutRequest {
  service?: string;
  environment: string;
  version: string;
  /** Strategy JSON; an object is stringified; none keeps the form's default. */
  strategy?: string | object;
}

/** A canary with explicit steps: weights and holds in seconds. */
export function canary(...steps: [weight: number, holdSeconds: number][]) {
  return { kind: "canary", steps: steps.map(([weight, holdSeconds]) => ({ weight, holdSeconds })) };
}

/** /rollouts: the "Start a rollout" form and the list of rollouts. */
export class RolloutsPage {
  readonly form: Locator;
  readonly formMessage: Locator;
  readonly table: Locator;

  constructor(readonly page: Page) {
    this.form = page.getByRole("form", { name: "Start a rollout" });
    this.formMessage = this.form.getByRole("alert");
    this.table = page.getByRole("table", { name: "Rollouts" });
  }

  async goto(): Promise<void> {
    await this.page.goto("/rollouts");
    await expect(this.page.getByRole("heading", { level: 1, name: "Rollouts", exact: true })).toBeVisible();
  }

  field(label: string): Locator {
    return this.form.getByLabel(label, { exact: true });
  }

  /** The error text under a field: the `<id>-error` element its aria-describedby links. */
  async fieldError(label: string): Promise<Locator> {
    const id = await this.field(label).getAttribute("id");
    if (!id) throw new Error(`field ${label} has no id`);
    return this.form.locator(`[id="${id}-error"]`);
  }

  async fill(r: RolloutRequest): Promise<void> {
    await this.field("Service").selectOption({ label: r.service ?? "sample-api" });
    await this.field("Environment").selectOption({ label: r.environment });
    await this.field("Version").fill(r.version);
    // No strategy: the form's default (5 / 10 / 25 / 50 / 100 with holds) stays.
    if (r.strategy !== undefined) await this.field("Strategy (JSON)").fill(typeof r.strategy === "string" ? r.strategy : JSON.stringify(r.strategy));
  }

  async submit(): Promise<void> {
    await this.form.getByRole("button", { name: "Start rollout" }).click();
  }

  /** Starts a rollout through the form and returns its id from the page it lands on. */
  async start(r: RolloutRequest): Promise<number> {
    await this.fill(r);
    await this.submit();
    await expect(this.page).toHaveURL(/\/rollouts\/\d+$/, { timeout: 15_000 });
    return Number(new URL(this.page.url()).pathname.split("/").at(-1));
  }

  /** Rows of the list whose version column shows `version` as the target. */
  rowsFor(version: string): Locator {
    const target = new RegExp(`→ ${version.replace(/[.+]/g, "\\$&")}$`);
    return this.table.locator("tbody tr").filter({ has: this.page.locator("td:nth-child(4)", { hasText: target }) });
  }
}

/** /rollouts/<id>: the live rollout view (polls every second). */
export class RolloutPage {
  readonly heading: Locator;
  readonly status: Locator;
  readonly weight: Locator;
  readonly holdLeft: Locator;
  readonly steps: Locator;
  readonly currentStep: Locator;
  readonly jobLog: Locator;
  readonly controls: Locator;
  readonly deployLog: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole("heading", { level: 1, name: /^Rollout #\d+/ });
    this.status = page.getByTestId("rollout-status");
    this.weight = page.getByTestId("rollout-weight");
    this.holdLeft = page.getByTestId("hold-left");
    this.steps = page.getByRole("list", { name: "Rollout steps" }).getByRole("listitem");
    this.currentStep = page.getByRole("list", { name: "Rollout steps" }).locator('li[aria-current="step"]');
    this.jobLog = page.getByTestId("job-log");
    this.controls = page.getByRole("region", { name: "Controls" });
    this.deployLog = page.getByRole("region", { name: "Deploy log" });
  }

  async goto(id: number): Promise<void> {
    await this.page.goto(`/rollouts/${id}`);
    await expect(this.heading).toBeVisible();
  }

  control(label: "Pause" | "Resume" | "Retry failed step" | "Promote now" | "Abort and roll back"): Locator {
    return this.page.getByRole("button", { name: label, exact: true });
  }

  /** Seconds left in the current hold, from "110 s left in hold" (whole minutes from two minutes on). */
  async holdSecondsLeft(): Promise<number> {
    const text = await this.holdLeft.innerText();
    const m = /^(\d+) (s|min) left in hold/.exec(text);
    if (!m) throw new Error(`unexpected hold text: ${text}`);
    return Number(m[1]) * (m[2] === "min" ? 60 : 1);
  }

  /** Clicks "Abort and roll back" with an optional reason and accepts the confirm() dialog. */
  async abort(reason?: string): Promise<void> {
    const form = this.page.getByRole("form", { name: "Abort" });
    if (reason !== undefined) await form.getByLabel("Reason", { exact: true }).fill(reason);
    this.page.once("dialog", (dialog) => {
      expect(dialog.type()).toBe("confirm");
      expect(dialog.message()).toBe("Abort this rollout and send all traffic back to the stable version?");
      void dialog.accept();
    });
    await this.control("Abort and roll back").click();
  }
}
