import { expect, test } from "./fixtures";
import { EnvironmentsPage } from "./pages/environments-page";
import { RolloutPage, RolloutsPage, canary } from "./pages/rollouts-page";
import { ServiceAnalysisPage } from "./pages/service-analysis-page";
import { ROUTER_PORT } from "./support/data-plane";
import { driveTraffic } from "./support/traffic";

// "What would this config have done?" (issue 9 part 5, I7): after a bad canary rolled back by
// itself in an environment of its own, an admin replays the service's analysis config as a draft
// over the past rollouts and sees, for that rollout, what really happened and the draft's decision.

test.setTimeout(150_000);

test.describe.serial("replaying a draft analysis config of sample-api", () => {
  const env = `replay-e2e-${Date.now().toString(36)}`;
  let routerPort = 0;
  let traffic: ReturnType<typeof driveTraffic> | null = null;
  let badId = 0;


  test.afterAll(async () => {
    await traffic?.stop();
  });

  test("set up: its own environment, 1.0.0 there, then 1.1.0-bad rolls back by itself", async ({ asUser }) => {
    const admin = await asUser("admin");
    const environments = new EnvironmentsPage(admin);
    await environments.goto();
    await environments.create({ name: env, description: "Replay e2e" });
    const href = await environments.row(env).getByRole("link", { name: env, exact: true }).getAttribute("href");
    routerPort = ROUTER_PORT + 100 * (Number(href!.split("/").at(-1)) - 1); // localRouterPort(): fixed by the environment id

    const page = await asUser("captain");
    const rollouts = new RolloutsPage(page);
    const rollout = new RolloutPage(page);
    await rollouts.goto();
    await rollouts.start({ environment: env, version: "1.0.0", strategy: canary([100, 0]) });
    await expect(rollout.status).toHaveText("succeeded", { timeout: 30_000 });
    traffic = driveTraffic(() => `http://127.0.0.1:${routerPort}/api/e2e`);

    await rollouts.goto();
    badId = await rollouts.start({ environment: env, version: "1.1.0-bad" });
    await expect(rollout.status).toHaveText("rolled back", { timeout: 60_000 });
    await traffic?.stop();
  });

  test("a stricter draft of the current config, replayed, shows the real rollback and the draft's earlier decision with its time; nothing is saved", async ({ asUser }) => {
    const admin = await asUser("admin");
    const analysis = new ServiceAnalysisPage(admin);
    await analysis.goto("sample-api");
    const stored = await analysis.config.inputValue();
    await expect(analysis.limit).toHaveValue("10");
    // Durations 4x shorter and a 20% alpha: the draft decides on the same samples before the real
    // decision (the current config replayed can land a tick after it, where the rollout's data ends).
    const current = JSON.parse(stored) as { sequential?: Record<string, unknown> };
    await analysis.config.fill(JSON.stringify({ ...current, timeScale: 0.005, sequential: { ...current.sequential, alpha: 0.2 } }, null, 2));
    await analysis.replay();

    await expect(analysis.results).toBeVisible({ timeout: 60_000 });
    const row = analysis.row(badId);
    await expect(row).toHaveCount(1);
    await expect(row.getByRole("link", { name: `#${badId}` })).toHaveAttribute("href", `/rollouts/${badId}`);
    await expect(row).toContainText("1.0.0 → 1.1.0-bad");
    await expect(row).toContainText(env);
    // What really happened: rolled back, with the analysis' own sentence.
    await expect(row.getByTestId("real-decision")).toHaveText(/^rolled back( gradually)?: canary 5xx .* \(at [\d.]+ s\)$/);
    // What the draft would have done: a rollback, when, by which rule, and why.
    await expect(row.getByTestId("replay-outcome")).toHaveAttribute("data-kind", "decision");
    await expect(row.getByTestId("replay-outcome")).toHaveText(/^rollback \((immediate|gradual)\) at [\d.]+ s \((001|002|003)-[\w-]+\)$/);
    await expect(row.getByTestId("replay-sentence")).toHaveText(/^rolled back( gradually)?: canary 5xx [\d.]+% \(\d+\/\d+( since the canary started)?\) .*evidence .* \(at [\d.]+ s\)$/);
    await expect(analysis.form.getByRole("status")).toHaveCount(0); // not "Saved."

    await admin.reload();
    await expect(analysis.config).toHaveValue(stored);
  });

  test("an invalid draft is refused with the same field error as Save", async ({ asUser }) => {
    const admin = await asUser("admin");
    const analysis = new ServiceAnalysisPage(admin);
    await analysis.goto("sample-api");
    await analysis.config.fill(JSON.stringify({ rules: [{ metric: "p95_ms", threshold: 600, forSeconds: 0, action: "rollback_gradual" }] }));
    await analysis.replay();
    await expect(analysis.config).toHaveAttribute("aria-invalid", "true");
    await expect(await analysis.configError()).toHaveText("Rule 1, for seconds: Duration must be above 0 s.");
    await expect(analysis.results).toHaveCount(0);
  });
});
