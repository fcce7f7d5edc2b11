import net from "node:net";
import { expect, test } from "./fixtures";
import { RolloutPage, RolloutsPage, canary } from "./pages/rollouts-page";
import { ServiceAnalysisPage } from "./pages/service-analysis-page";
import { ServicesPage } from "./pages/services-page";

// Runbook 000's promote gates in the browser (issue 13 item 3): an admin sets them on the service
// (an invalid critical pattern refused on its field), the real worker holds promotion with the
// reasons on the rollout page, a Service owner ticks the checklist and attests, the rollout promotes.

const stamp = Date.now().toString(36);

// Port block of this spec: 4920-4949 (router +0/+1, versions +10/+11); tests/services/promote-gates.test.ts uses 4900-4917.
async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}
async function pickRouterPort(): Promise<number> {
  for (const port of [4920, 4924, 4928, 4932, 4936]) {
    if ((await Promise.all([0, 1, 10, 11].map((d) => portFree(port + d)))).every(Boolean)) return port;
  }
  throw new Error("no free port block in 4920-4949 for the promote gates spec");
}

test("an admin sets promote gates (invalid pattern refused); promotion waits with the reasons; the captain cannot attest, a Service owner does and the rollout promotes", async ({ asUser }) => {
  test.setTimeout(180_000);
  const admin = await asUser("admin");
  const services = new ServicesPage(admin);
  await services.goto();
  const service = `gates-api-${stamp}`;
  await services.fill({ name: service, description: "Promote gates e2e", deployTarget: JSON.stringify({ driver: "local", entry: "sample-service", routerPort: await pickRouterPort(), healthPath: "/health" }) });
  await services.submit();
  await expect(services.form.getByRole("status")).toHaveText("Saved.");
  const analysis = new ServiceAnalysisPage(admin);
  await analysis.goto(service);
  await analysis.save({ enabled: false });

  const gates = admin.getByRole("form", { name: "Promote gates" });
  const pattern = gates.getByLabel("Critical pattern (regular expression)", { exact: true });
  await pattern.fill("FATAL|(oops");
  await gates.getByRole("button", { name: "Save promote gates" }).click();
  await expect(gates.getByText("The critical pattern is not a valid regular expression: /FATAL|(oops/: Unterminated group.")).toBeVisible();
  await expect(pattern).toHaveAttribute("aria-invalid", "true");
  await pattern.fill("FATAL|panic");
  await gates.getByLabel("Quiet period (seconds)", { exact: true }).fill("1");
  await gates.getByLabel("Paths, one per line", { exact: true }).fill("/api/workspaces\n/api/openclaw/status");
  await gates.getByLabel("Role that attests", { exact: true }).selectOption("service_owner");
  await gates.getByRole("button", { name: "Save promote gates" }).click();
  await expect(gates.getByRole("status")).toHaveText("Saved.");

  const captain = await asUser("captain");
  await new RolloutsPage(captain).goto();
  const id = await new RolloutsPage(captain).start({ service, environment: "staging", version: "1.0.0", strategy: canary([100, 0]) });
  const rollout = new RolloutPage(captain);
  await expect(rollout.status).toHaveText("failed", { timeout: 60_000 });
  await captain.reload();
  const block = captain.getByTestId("promote-gates");
  await expect(block.getByText("Promotion waits for:")).toBeVisible();
  await expect(block.locator('[data-gate="attestation"]')).toHaveAttribute("data-status", "pending");
  await expect(block.locator('[data-gate="smoke"]')).toHaveAttribute("data-status", "passed");
  await expect(block.getByText("Only a Service owner can attest.")).toBeVisible();

  const owner = await asUser("owner");
  const ownerView = new RolloutPage(owner);
  await ownerView.goto(id);
  const attest = owner.getByRole("form", { name: "Attest the core path" });
  await attest.getByLabel("Task create").check();
  await attest.getByLabel("Orchestrate").check();
  await attest.getByRole("button", { name: "Attest core path validated" }).click();
  // The refusal is said once for the form and once under the checklist it is about.
  await expect(attest.getByRole("group", { name: "Validated on the canary" }).getByText("Tick every item you validated on the canary; not ticked: State transition to hitl_review/completed.")).toBeVisible();
  await attest.getByLabel("State transition to hitl_review/completed").check();
  await attest.getByRole("button", { name: "Attest core path validated" }).click();
  await expect(ownerView.status).toHaveText("succeeded", { timeout: 60_000 });
  await owner.reload();
  await expect(owner.getByTestId("promote-gates").getByText(/^Attested by Olivia Owner \(owner@flightdeck\.local\)/)).toBeVisible();
  for (const gate of ["smoke", "logs", "attestation"]) await expect(owner.getByTestId("promote-gates").locator(`[data-gate="${gate}"]`)).toHaveAttribute("data-status", "passed");
});
