import { expect, test } from "./fixtures";
import { AnalysisPanel } from "./pages/analysis-panel";
import { AuditPage } from "./pages/audit-page";
import { EnvironmentsPage } from "./pages/environments-page";
import { RolloutPage, RolloutsPage, canary } from "./pages/rollouts-page";
import { ROUTER_PORT } from "./support/data-plane";
import { driveTraffic } from "./support/traffic";

// Canary analysis journeys (issue 4) in their own environment, so they never wait for the
// staging/production journeys of rollouts.spec.ts. The seeded demo analysis runs the runbooks'
// rules at 1/50 of their durations (5xx > 5% for 1 min -> 1.2 s). This test sends the traffic.

test.setTimeout(150_000);

test.describe.serial("canary analysis of sample-api", () => {
  const env = `canary-e2e-${Date.now().toString(36)}`;
  let routerPort = 0;
  let traffic: ReturnType<typeof driveTraffic> | null = null;


  test.afterAll(async () => {
    await traffic?.stop();
  });

  test("set up: an environment of its own, 1.0.0 deployed there, traffic flowing", async ({ asUser }) => {
    const admin = await asUser("admin");
    const environments = new EnvironmentsPage(admin);
    await environments.goto();
    await environments.create({ name: env, description: "Canary analysis e2e" });
    const href = await environments.row(env).getByRole("link", { name: env, exact: true }).getAttribute("href");
    const id = Number(href!.split("/").at(-1));
    routerPort = ROUTER_PORT + 100 * (id - 1); // localRouterPort(): fixed by the environment id

    const page = await asUser("captain");
    const rollouts = new RolloutsPage(page);
    await rollouts.goto();
    await rollouts.start({ environment: env, version: "1.0.0", strategy: canary([100, 0]) });
    const rollout = new RolloutPage(page);
    await expect(rollout.status).toHaveText("succeeded", { timeout: 30_000 });
    traffic = driveTraffic(() => `http://127.0.0.1:${routerPort}/api/e2e`);
  });

  test("a bad canary with the form's default strategy (5% first) breaches a 5xx rule on the chart, rolls back by itself and explains why with its evidence", async ({ asUser }) => {
    const page = await asUser("captain");
    const rollouts = new RolloutsPage(page);
    await rollouts.goto();
    // 20% 5xx at ~1.5 canary requests/s: no minimum request count, the evidence decides within seconds.
    const id = await rollouts.start({ environment: env, version: "1.1.0-bad" });
    const rollout = new RolloutPage(page);
    const analysis = new AnalysisPanel(page);
    const errors = analysis.chart("5xx rate");
    await expect(errors).toBeVisible();
    await expect(errors).toHaveAttribute("data-thresholds", /(^|,)5(,|$)/);

    // New samples arrive without reload: the canary's 5xx line rises above the 5% threshold line.
    await expect.poll(async () => analysis.number(errors, "data-peak-canary"), { timeout: 30_000 }).toBeGreaterThan(5);
    // ... then the rollback, all by itself. At 5% of ~30 requests/s a busy machine may need a
    // minute of evidence (seen: 5/47 bad, sustained 3.4 s of 6 s at 30 s): wait for the state.
    await expect(rollout.status).toHaveText("rolled back", { timeout: 100_000 });
    await expect.poll(async () => analysis.number(errors, "data-decision-markers"), { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
    await expect(errors.getByText(/⚑ decision: (immediate|gradual)/)).toBeVisible();
    await expect(rollout.weight).toHaveText("0%");
    const sentence = analysis.decisions.first();
    await expect(sentence).toHaveText(/^rolled back( gradually)?: canary 5xx [\d.]+% \(\d+\/\d+( since the canary started)?\) vs baseline 0% \(0\/\d+\) > [\d.]+%( \(baseline \+ 10%\))? \((001|002|003)-[\w-]+, sustained [\d.]+ s\); evidence [\d,.e+]+ > [\d,]+ \(alpha [\d.]+%(, [\d,.e+]+ now)?\)(; immediate as 002-(5xx|burn)-5 leans the same way \(canary [\d.]+% > 5%, evidence [\d,.e+]+\))?$/);
    const text = await sentence.innerText();
    await expect(page.getByRole("main").getByRole("alert").filter({ hasText: text })).toBeVisible();
    expect(await analysis.number(analysis.chart("Traffic weight"), "data-latest-weight")).toBe(0);
    await expect(rollout.jobLog).toContainText("analysis fail");
    // The evidence chart of the deciding rule: its evidence passed the 1/alpha bar.
    const evidence = page.getByTestId(/^evidence-/);
    await expect(evidence).toBeVisible();
    expect(await analysis.number(evidence, "data-peak-log10-evidence")).toBeGreaterThanOrEqual(await analysis.number(evidence, "data-log10-bound"));

    // The decision is exportable with its numbers.
    const exported = (await (await page.request.get((await analysis.exportLink.getAttribute("href"))!)).json()) as { decisions: { sentence: string; threshold: number; canary: number; baseline: number; ruleId: string; evidence: { value: number; alpha: number; canary: { bad: number; n: number } } }[] };
    expect(exported.decisions[0]).toMatchObject({ sentence: text, baseline: 0 });
    expect(exported.decisions[0]!.canary).toBeGreaterThan(exported.decisions[0]!.threshold);
    expect(exported.decisions[0]!.evidence.value).toBeGreaterThanOrEqual(1 / exported.decisions[0]!.evidence.alpha);

    // The audit timeline has the decision by "analysis", with its numbers, and the automatic abort.
    const audit = new AuditPage(page);
    await audit.goto();
    await audit.filter({ action: "analysis.decision", environment: env });
    const row = audit.rows.filter({ hasText: `rollout ${id}` });
    await expect(row).toHaveCount(1);
    await expect(row).toContainText("analysis");
    await expect(row).toContainText(text);
    await expect(row).toContainText('"kind":"rollback_');
    await expect(row).toContainText('"evidence":{"alpha":'); // canonical JSON: keys in order
    await audit.filter({ action: "rollout.abort", environment: env });
    await expect(audit.rows.filter({ hasText: `rollout ${id}` })).toContainText('"automatic":true');

    // On-call's overview lists the latest decision.
    await page.goto("/");
    await expect(page.getByRole("list", { name: "Latest analysis decisions" }).getByRole("listitem").filter({ hasText: `#${id}` })).toContainText(text);
  });

  test("a good canary passes analysis and promotes through every step", async ({ asUser }) => {
    const page = await asUser("captain");
    const rollouts = new RolloutsPage(page);
    await rollouts.goto();
    await rollouts.start({ environment: env, version: "1.2.0", strategy: canary([10, 3], [50, 3], [100, 0]) });
    const rollout = new RolloutPage(page);
    const analysis = new AnalysisPanel(page);
    await expect(analysis.verdict).toHaveText("pass", { timeout: 30_000 });
    await expect(analysis.health).toHaveText("healthy");
    await expect(rollout.status).toHaveText("succeeded", { timeout: 60_000 });
    for (const t of await rollout.steps.allInnerTexts()) expect(t).toMatch(/^✓ /);
    await expect(analysis.decisions).toHaveCount(0);
    // The statistical judge (Mann-Whitney U, advising) scored the last window.
    await expect(analysis.score).toHaveText(/^\d+ \/ 100$/);
    // Charts carry canary and baseline samples; the window selector switches to the whole rollout.
    const p95 = analysis.chart("p95 latency");
    expect(await analysis.number(p95, "data-points")).toBeGreaterThan(3);
    await analysis.window("All").click();
    await expect(analysis.window("All")).toHaveAttribute("aria-pressed", "true");
    await expect(analysis.chart("Request rate")).not.toContainText("waiting for samples");
  });

  test("an invalid analysis config is refused with the field that is wrong", async ({ asUser }) => {
    const admin = await asUser("admin");
    await admin.goto("/settings/services/1");
    const form = admin.getByRole("form", { name: "Canary analysis" });
    const field = form.getByLabel("Analysis config (JSON)", { exact: true });
    await expect(field).toHaveValue(/"timeScale": 0\.02/);
    await field.fill(JSON.stringify({ rules: [{ metric: "p95_ms", threshold: 600, forSeconds: 0, action: "rollback_gradual" }] }));
    await form.getByRole("button", { name: "Save analysis" }).click();
    await expect(field).toHaveAttribute("aria-invalid", "true");
    const id = await field.getAttribute("id");
    await expect(form.locator(`[id="${id}-error"]`)).toHaveText("Rule 1, for seconds: Duration must be above 0 s.");
  });

  test("the metrics route validates its query and knows its rollouts", async ({ asUser }) => {
    const page = await asUser("viewer");
    expect((await page.request.get("/api/rollouts/999999/metrics")).status()).toBe(404);
    const bad = await page.request.get("/api/rollouts/1/metrics?window=2d");
    expect(bad.status()).toBe(400);
    expect(await bad.json()).toMatchObject({ code: "INVALID" });
    const ok = await page.request.get("/api/rollouts/1/metrics?window=all");
    expect(ok.status()).toBe(200);
  });
});
