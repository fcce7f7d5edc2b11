import { type Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { AuditPage } from "./pages/audit-page";
import { RolloutPage, RolloutsPage, canary } from "./pages/rollouts-page";
import { type DemoEnvironment, routerState, splitAtSteadyWeight, trafficSplit } from "./support/data-plane";
import { actionResultOf, invokeServerAction, serverActionId } from "./support/server-actions";

// Real rollouts of the demo service (sample-api) through the real worker and the local driver:
// scripts/e2e-server.mjs runs the worker, which deploys 1.0.0 in staging and production at start
// and keeps demo traffic flowing. One rollout per service and environment is live at a time, so
// the staging journeys run in order (serial) and the production one uses its own environment.

const CAPTAIN = "captain@flightdeck.local";

test.setTimeout(90_000);

interface DeployLog {
  timestamp: string;
  environment: string;
  service: string;
  version: string;
  previousVersion: string | null;
  operator: string;
  strategy: string;
  status: string;
  verification: string[];
  rolloutId: number;
}

/** The Overview's "Versions by environment" cell of sample-api (other specs may add environments). */
async function versionCell(page: Page, env: DemoEnvironment) {
  const table = page.getByRole("table", { name: "Versions by environment" });
  const headers = await table.getByRole("columnheader").allTextContents();
  const column = headers.indexOf(env) + 1;
  expect(column).toBeGreaterThan(1);
  return table.getByRole("row").filter({ hasText: "sample-api" }).locator(`td:nth-child(${column})`);
}

/** Waits until the Overview shows `version` for sample-api in `env` (reloading: it is server-rendered). */
async function expectOverviewVersion(page: Page, env: DemoEnvironment, version: string) {
  await expect(async () => {
    await page.goto("/");
    await expect(await versionCell(page, env)).toHaveText(version, { timeout: 1000 });
  }).toPass({ timeout: 45_000, intervals: [500, 1000] });
}

/** The demo bootstrap (worker start) deploys 1.0.0 everywhere before anything else can roll out. */
async function waitForDemoDeployment(page: Page) {
  await expectOverviewVersion(page, "staging", "1.0.0");
  await expectOverviewVersion(page, "production", "1.0.0");
}

/** Asserts that `n` requests spread over the two versions like the router's weight says. */
function expectSplit(seen: Record<string, number>, weight: number, stable: string, canaryVersion: string, n = 100) {
  expect(Object.keys(seen).sort()).toEqual([stable, canaryVersion].sort());
  const toCanary = seen[canaryVersion]!;
  expect(toCanary + seen[stable]!).toBe(n);
  // Each request is a weighted random draw: the canary's count is binomial, so allow 4.5 standard
  // deviations around the weight (a correct router fails this about once in 150,000 runs).
  const p = weight / 100;
  const slack = 4.5 * Math.sqrt(n * p * (1 - p)) + 1;
  expect(toCanary).toBeGreaterThanOrEqual(Math.max(1, n * p - slack));
  expect(toCanary).toBeLessThanOrEqual(n * p + slack);
}

/** Measures the split while the router holds `weight` (retrying when the worker shifts mid-way). */
async function expectTrafficAt(env: DemoEnvironment, weight: number, stable: string, canaryVersion: string) {
  let measured: Awaited<ReturnType<typeof splitAtSteadyWeight>> = null;
  await expect(async () => {
    measured = await splitAtSteadyWeight(env);
    expect(measured?.weight).toBe(weight);
  }).toPass({ timeout: 5_000, intervals: [100] });
  const { seen } = measured!;
  expectSplit(seen, weight, stable, canaryVersion);
  return seen;
}

async function deployLogOf(page: Page, rollout: RolloutPage): Promise<DeployLog> {
  const link = rollout.deployLog.getByRole("link", { name: "View JSON" });
  await expect(link).toBeVisible();
  const href = (await link.getAttribute("href"))!;
  const res = await page.request.get(href);
  expect(res.status()).toBe(200);
  expect(res.headers()["content-type"]).toContain("application/json");
  return (await res.json()) as DeployLog;
}

test.describe.serial("staging canaries of sample-api", () => {
  test("a strategy whose weights go down, or that is not JSON, is refused and starts nothing", async ({ asUser }) => {
    const page = await asUser("captain");
    const rollouts = new RolloutsPage(page);
    await rollouts.goto();
    await rollouts.fill({ environment: "staging", version: "9.9.9-invalid", strategy: canary([50, 5], [10, 5]) });
    await rollouts.submit();
    await expect(rollouts.formMessage).toHaveAttribute("data-code", "INVALID");
    await expect(rollouts.formMessage).toHaveText("Please correct the highlighted fields.");
    // What was typed is kept for correction, and the page did not move on.
    await expect(rollouts.field("Version")).toHaveValue("9.9.9-invalid");
    await expect(rollouts.field("Strategy (JSON)")).toHaveValue(JSON.stringify(canary([50, 5], [10, 5])));
    await expect(page).toHaveURL((url) => url.pathname === "/rollouts");

    // Text that is not JSON at all: the reason is under the field.
    await rollouts.field("Strategy (JSON)").fill('{"kind":"canary", steps: [');
    await rollouts.submit();
    await expect(rollouts.field("Strategy (JSON)")).toHaveAttribute("aria-invalid", "true");
    await expect(await rollouts.fieldError("Strategy (JSON)")).toHaveText("Strategy must be valid JSON.");

    await rollouts.goto();
    await expect(rollouts.table).toBeVisible();
    await expect(rollouts.rowsFor("9.9.9-invalid")).toHaveCount(0);
  });

  test("captain runs a canary to 1.1.0: weight 10% -> 50% with real traffic on both versions, then succeeds with a deploy log", async ({ asUser }) => {
    const page = await asUser("captain");
    await waitForDemoDeployment(page);

    const rollouts = new RolloutsPage(page);
    await rollouts.goto();
    const id = await rollouts.start({ environment: "staging", version: "1.1.0", strategy: canary([10, 8], [50, 8], [100, 0]) });
    const rollout = new RolloutPage(page);
    await expect(rollout.heading).toHaveText(`Rollout #${id}: sample-api 1.0.0 → 1.1.0`);
    await expect(page.getByText("in staging", { exact: true })).toBeVisible();
    // The stepper: deploy, the three shifts with their holds, promote (a ✓ marks what is done).
    await expect
      .poll(async () => (await rollout.steps.allInnerTexts()).map((t) => t.replace(/^✓ /, "")))
      .toEqual(["Deploy 1.1.0", "10% · hold 8 s", "50% · hold 8 s", "100%", "Promote"]);

    // 10%: the canary takes its share of real requests through the staging router.
    await expect(rollout.weight).toHaveText("10%", { timeout: 20_000 });
    await expect(rollout.status).toHaveText("running");
    await expect(rollout.currentStep).toHaveText("10% · hold 8 s");
    await expect(rollout.holdLeft).toHaveText(/^\d s left in hold$/);
    await expect(rollout.page.getByRole("progressbar", { name: "Hold progress" })).toBeVisible();
    await expectTrafficAt("staging", 10, "1.0.0", "1.1.0");

    // 50%: earlier steps are ticked off, the hold counts down.
    await expect(rollout.weight).toHaveText("50%", { timeout: 15_000 });
    await expect(rollout.currentStep).toHaveText("50% · hold 8 s");
    await expect(rollout.steps.nth(0)).toHaveText("✓ Deploy 1.1.0");
    await expect(rollout.steps.nth(1)).toHaveText("✓ 10% · hold 8 s");
    await expectTrafficAt("staging", 50, "1.0.0", "1.1.0");
    await expect(rollout.holdLeft).toHaveText(/^\d s left in hold$/);
    const left = await rollout.holdSecondsLeft();
    await expect.poll(() => rollout.holdSecondsLeft().catch(() => -1), { timeout: 4_000 }).toBeLessThan(left);

    // Then 100% and promotion.
    await expect(rollout.status).toHaveText("succeeded", { timeout: 30_000 });
    await expect(rollout.weight).toHaveText("100%");
    await expect(rollout.currentStep).toHaveCount(0);
    for (const text of await rollout.steps.allInnerTexts()) expect(text).toMatch(/^✓ /);
    await expect(rollout.holdLeft).toHaveCount(0);
    await expect(rollout.controls).toHaveCount(0);
    await expect(rollout.jobLog).toContainText("smoke passed");
    await expect(rollout.jobLog).not.toContainText("smoke FAILED");
    await expect(rollout.jobLog).toContainText("-> succeeded");

    // All traffic now reaches 1.1.0, which the router runs as its only (stable) version.
    expect(await trafficSplit("staging")).toEqual({ "1.1.0": 100 });
    expect(await routerState("staging")).toMatchObject({ stable: { version: "1.1.0" }, canary: null });

    // Runbook 001's deploy-log record.
    const record = await deployLogOf(page, rollout);
    expect(record).toMatchObject({
      rolloutId: id,
      service: "sample-api",
      environment: "staging",
      version: "1.1.0",
      previousVersion: "1.0.0",
      operator: CAPTAIN,
      strategy: "canary",
      status: "success",
    });
    expect(record.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(record.verification.length).toBeGreaterThanOrEqual(3);
    for (const line of record.verification) expect(line).toMatch(/ smoke passed: http:\/\/127\.0\.0\.1:\d+\/health: HTTP 200/);
    expect((await page.request.get(`/api/rollouts/${id}/deploy-log`)).ok()).toBe(true);

    await expectOverviewVersion(page, "staging", "1.1.0");

    // The start is in the audit timeline, by the captain, with the version.
    const audit = new AuditPage(page);
    await audit.goto();
    await audit.filter({ action: "rollout.start" });
    expect(new Set(await audit.actionsShown())).toEqual(new Set(["rollout.start"]));
    const started = audit.rows.filter({ hasText: `rollout ${id}` });
    await expect(started).toHaveCount(1);
    await expect(started).toContainText(CAPTAIN);
    await expect(started).toContainText('"version":"1.1.0"');
    await expect(started.locator("td:nth-child(6)")).toHaveText("staging");
    await audit.filter({ action: "rollout.succeeded" });
    await expect(audit.rows.filter({ hasText: `rollout ${id}` })).toHaveCount(1);
  });

  test("'Promote now' during a long hold at 50% finishes the rollout at once", async ({ asUser }) => {
    const page = await asUser("captain");
    await expectOverviewVersion(page, "staging", "1.1.0");
    const rollouts = new RolloutsPage(page);
    await rollouts.goto();
    const id = await rollouts.start({ environment: "staging", version: "1.2.0", strategy: canary([10, 1], [50, 600], [100, 0]) });
    const rollout = new RolloutPage(page);
    await expect(rollout.weight).toHaveText("50%", { timeout: 20_000 });
    await expect(rollout.holdLeft).toHaveText(/^(9|10) min left in hold$/);
    await expectTrafficAt("staging", 50, "1.1.0", "1.2.0");

    await expect(rollout.control("Pause")).toBeVisible();
    await rollout.control("Promote now").click();
    await expect(rollout.status).toHaveText("succeeded", { timeout: 20_000 });
    await expect(rollout.weight).toHaveText("100%");
    await expect(rollout.jobLog).toContainText("promote now");
    expect(await trafficSplit("staging")).toEqual({ "1.2.0": 100 });

    const record = await deployLogOf(page, rollout);
    expect(record).toMatchObject({ rolloutId: id, version: "1.2.0", previousVersion: "1.1.0", operator: CAPTAIN, strategy: "canary", status: "success" });

    const audit = new AuditPage(page);
    await audit.goto();
    await audit.filter({ actor: CAPTAIN, action: "rollout.promote" });
    await expect(audit.rows.filter({ hasText: `rollout ${id}` })).toHaveCount(1);
  });
});

test("production: a canary is held at 10%, a second rollout is refused, a manual abort sends all traffic back to stable", async ({ asUser }) => {
  const page = await asUser("captain");
  // Only production matters here: when this test starts late, the staging journeys have moved staging on.
  await expectOverviewVersion(page, "production", "1.0.0");
  const rollouts = new RolloutsPage(page);
  await rollouts.goto();
  const id = await rollouts.start({ environment: "production", version: "1.2.1", strategy: canary([10, 600], [100, 0]) });
  const rollout = new RolloutPage(page);
  await expect(rollout.heading).toHaveText(`Rollout #${id}: sample-api 1.0.0 → 1.2.1`);
  await expect(rollout.weight).toHaveText("10%", { timeout: 20_000 });
  await expect(rollout.holdLeft).toHaveText(/^(9|10) min left in hold$/);
  await expect(rollout.currentStep).toHaveText("10% · hold 10 min");
  await expectTrafficAt("production", 10, "1.0.0", "1.2.1");

  // Others look on: a viewer sees the rollout but no controls; on-call may only abort.
  const viewer = new RolloutPage(await asUser("viewer"));
  await viewer.goto(id);
  await expect(viewer.status).toHaveText("running");
  await expect(viewer.weight).toHaveText("10%");
  await expect(viewer.controls).toHaveCount(0);
  for (const label of ["Pause", "Promote now", "Abort and roll back"] as const) await expect(viewer.control(label)).toHaveCount(0);
  const oncall = new RolloutPage(await asUser("oncall"));
  await oncall.goto(id);
  await expect(oncall.control("Abort and roll back")).toBeVisible();
  await expect(oncall.control("Promote now")).toHaveCount(0);
  await expect(oncall.control("Pause")).toHaveCount(0);

  // While it is live, a second rollout of sample-api in production is refused, and none is created.
  await rollouts.goto();
  await rollouts.fill({ environment: "production", version: "1.3.0", strategy: canary([100, 0]) });
  await rollouts.submit();
  await expect(rollouts.formMessage).toHaveAttribute("data-code", "CONFLICT");
  await expect(rollouts.formMessage).toHaveText(`Rollout #${id} of sample-api is still running in production; finish or abort it first.`);
  await expect(page).toHaveURL((url) => url.pathname === "/rollouts");
  await rollouts.goto();
  await expect(rollouts.rowsFor("1.2.1")).toHaveCount(1);
  await expect(rollouts.rowsFor("1.3.0")).toHaveCount(0);

  // Abort (confirm dialog, with a reason) -> rolling back -> rolled back. (A -bad version would be
  // rolled back by canary analysis on its own: e2e/analysis.spec.ts; this journey is the manual abort.)
  await rollout.goto(id);
  await expect(rollout.weight).toHaveText("10%");
  await rollout.abort("e2e: canary answers 5xx");
  await expect(rollout.status).toHaveText("rolled back", { timeout: 20_000 });
  await expect(rollout.weight).toHaveText("0%");
  await expect(page.getByRole("main").getByRole("alert").filter({ hasText: "e2e: canary answers 5xx" })).toBeVisible();
  await expect(rollout.controls).toHaveCount(0);
  await expect(rollout.jobLog).toContainText("rolling back to 1.0.0: e2e: canary answers 5xx");

  // Every request reaches the stable version again; the canary is out of the router.
  expect(await trafficSplit("production")).toEqual({ "1.0.0": 100 });
  expect(await routerState("production")).toMatchObject({ stable: { version: "1.0.0" }, canary: null, weight: 0 });
  const record = await deployLogOf(page, rollout);
  expect(record).toMatchObject({ rolloutId: id, environment: "production", version: "1.2.1", previousVersion: "1.0.0", operator: CAPTAIN, status: "rolled_back" });
  await expectOverviewVersion(page, "production", "1.0.0");

  // Start and abort are in the audit timeline, by the captain, in production.
  const audit = new AuditPage(page);
  await audit.goto();
  await audit.filter({ actor: CAPTAIN, action: "rollout.abort", environment: "production" });
  const aborted = audit.rows.filter({ hasText: `rollout ${id}` });
  await expect(aborted).toHaveCount(1);
  await expect(aborted).toContainText("e2e: canary answers 5xx");
  await audit.filter({ action: "rollout.start" });
  await expect(audit.rows.filter({ hasText: `rollout ${id}` })).toContainText('"version":"1.2.1"');
  await audit.filter({ actor: "", action: "rollout.rolled_back" });
  await expect(audit.rows.filter({ hasText: `rollout ${id}` })).toHaveCount(1);
});

test("a viewer gets no start form, and calling the start action directly is refused", async ({ asUser, baseURL }) => {
  const viewer = await asUser("viewer");
  const rollouts = new RolloutsPage(viewer);
  await rollouts.goto();
  await expect(rollouts.table).toBeVisible();
  await expect(rollouts.form).toHaveCount(0);
  await expect(viewer.getByRole("button", { name: "Start rollout" })).toHaveCount(0);

  const version = "6.6.6-viewer";
  const res = await invokeServerAction(viewer.request, {
    page: "/rollouts",
    actionId: serverActionId("app/(dashboard)/rollouts/actions.ts", "startRolloutAction"),
    origin: baseURL!,
    fields: { serviceId: "1", environmentId: "1", version, strategy: JSON.stringify(canary([100, 0])), idempotencyKey: `e2e-viewer-${Date.now()}` },
    encoding: "multipart",
  });
  expect(res.status()).toBe(200);
  expect(actionResultOf(await res.text())).toMatchObject({ ok: false, code: "FORBIDDEN" });
  await rollouts.goto();
  await expect(rollouts.rowsFor(version)).toHaveCount(0);
});

test("the reason a strategy is invalid is shown under 'Strategy (JSON)'", async ({ asUser }) => {
  const page = await asUser("captain");
  const rollouts = new RolloutsPage(page);
  await rollouts.goto();
  await rollouts.fill({ environment: "staging", version: "9.9.8-invalid", strategy: canary([50, 5], [10, 5]) });
  await rollouts.submit();
  await expect(rollouts.formMessage).toHaveAttribute("data-code", "INVALID");
  await expect(rollouts.field("Strategy (JSON)")).toHaveAttribute("aria-invalid", "true", { timeout: 3_000 });
  await expect(await rollouts.fieldError("Strategy (JSON)")).toHaveText("Step 2, weight: Step 2 must send more traffic than step 1 (50%).", { timeout: 3_000 });
});
