import { type Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { RolloutsPage, canary } from "./pages/rollouts-page";
import { ReleasePage, SecurityPage, approvalIds, decide } from "./pages/releases-page";

// Several people in their own browser contexts drive two releases through pre-flight, staging,
// approvals, the security gate and a freeze window, against the real worker and local driver.
// This spec changes the global gate and calendar, so its project runs after every other spec.

test.describe.configure({ mode: "serial" });
test.setTimeout(240_000);

const QUICK = canary([50, 2], [100, 0]);
const SOD = "You created or drove this release; separation of duties forbids approving it.";
const OVERRIDE = "Production actions require explicit override";

interface People {
  captainSentinel: Page;
  oncall: Page;
  feature: Page;
}

/** Pre-flight (automated checks + every attestation by its role), staging deploy, smoke sign-off, approval request. */
async function throughStaging(p: People, id: number): Promise<void> {
  const cs = new ReleasePage(p.captainSentinel);
  await cs.goto(id);
  await cs.expectPhase("Pre-flight");
  await cs.runChecks();
  for (const key of ["quality_gates", "runbooks_updated", "feature_freeze"]) await cs.sign(key, `CI run #${id} green; checked by the captain`);
  const oncall = new ReleasePage(p.oncall);
  await oncall.goto(id);
  for (const key of ["rollback_rehearsed", "oncall_notified", "backup_verified"]) await oncall.sign(key, `OPS-${id}: done`);
  const feature = new ReleasePage(p.feature);
  await feature.goto(id);
  await feature.sign("migrations_confirmed", "No migrations in this release");

  await cs.goto(id);
  // Deploying waits for a passed validation (runbook 003 gates: checklist, health probes, gate mode).
  await expect((await cs.command("Deploy to staging")).getByRole("alert")).toHaveText("Run the release validation for this environment first.");
  await cs.validate("staging");
  await cs.command("Deploy to staging");
  await cs.expectPhase("Staging deploy");
  await cs.expectPhase("Staging soak", 60_000);

  const smoke = (await approvalIds(p.feature, id)).find((a) => a.kind === "smoke");
  expect(smoke?.status).toBe("pending");
  await decide(p.feature, smoke!.id, "Approve", "Checkout smoke tests pass");
  await expect(p.feature.getByText("This approval is approved.")).toBeVisible();

  await cs.goto(id);
  await cs.command("Request production approval");
  await cs.expectPhase("Production approval");
}

async function expectAudited(page: Page, action: string): Promise<void> {
  await page.goto(`/audit?action=${action}`);
  await expect(page.locator(`tr[data-action="${action}"]`).first()).toBeVisible();
}

test("two releases through approvals, separation of duties, enforce overrides, a freeze with its hotfix exception, and lockdown", async ({ asUser }) => {
  const security = new SecurityPage(await asUser("security"));
  const p: People = { captainSentinel: await asUser("captainSentinel"), oncall: await asUser("oncall"), feature: await asUser("feature") };
  const sentinel = await asUser("sentinel");
  const sentinel2 = await asUser("sentinel2");
  const owner = await asUser("owner");
  const cs = new ReleasePage(p.captainSentinel);

  // Security switches the gate to enforce; the banner on every page says so.
  await expect((await security.setGate("enforce")).getByRole("status")).toHaveText("Gate updated.");
  await expect(security.page.getByTestId("gate-banner")).toHaveAttribute("data-mode", "enforce");

  // Release A: a normal release, created (and so driven) by a person who is also a sentinel.
  const a = await cs.create({ version: "2.0.0", commit: "abcdef1234", strategy: QUICK, soakMinutes: 0 });
  await throughStaging(p, a);
  const aApprovals = await approvalIds(p.captainSentinel, a);
  const aSentinel = aApprovals.find((x) => x.kind === "production" && x.role === "Governance Sentinel")!;
  const aOwner = aApprovals.find((x) => x.kind === "production" && x.role === "Service owner")!;
  // captain-sentinel@ created release A: its inbox does not offer Approve and says why, before any click.
  await p.captainSentinel.goto("/approvals");
  const notMine = p.captainSentinel.getByRole("table", { name: "Approvals you cannot decide" }).getByRole("row").filter({ hasText: "2.0.0" });
  await expect(notMine).toContainText(SOD);
  await expect(p.captainSentinel.getByRole("table", { name: "Pending approvals" }).getByRole("row").filter({ hasText: "2.0.0" })).toHaveCount(0);
  await p.captainSentinel.goto(`/approvals/${aSentinel.id}`);
  await expect(p.captainSentinel.getByTestId("cannot-decide")).toHaveText(`You cannot decide this request: ${SOD}`);
  await expect(p.captainSentinel.getByRole("form", { name: "Approve" })).toHaveCount(0);
  await decide(sentinel, aSentinel.id, "Approve", "Reviewed the change log and staging metrics");
  await expect(sentinel.getByText("This approval is approved.")).toBeVisible();
  await decide(owner, aOwner.id, "Approve", "Business sign-off");
  await expect(owner.getByText("This approval is approved.")).toBeVisible();

  // Enforce: the production canary needs an override.
  await cs.goto(a);
  await cs.validate("production");
  await expect(cs.page.getByTestId("gate-preview")).toContainText(OVERRIDE);
  await expect((await cs.command("Start production rollout")).getByRole("alert")).toHaveText(OVERRIDE);
  await cs.expectPhase("Production approval");

  // Release H: a SEV-1 hotfix, approved by two different sentinels (the governance board).
  const h = await cs.create({ version: "2.0.1", commit: "fedcba9876", strategy: QUICK, soakMinutes: 0, hotfix: true, sev1: true });
  await throughStaging(p, h);
  const [h1, h2] = (await approvalIds(p.captainSentinel, h)).filter((x) => x.kind === "hotfix");
  await decide(sentinel, h1!.id, "Approve", "Board approval 1");
  await expect(sentinel.getByText("This approval is approved.")).toBeVisible();
  await sentinel.goto(`/approvals/${h2!.id}`);
  await expect(sentinel.getByTestId("cannot-decide")).toHaveText("You cannot decide this request: You already approved this release; one person counts once.");
  await decide(sentinel2, h2!.id, "Approve", "Board approval 2");
  await expect(sentinel2.getByText("This approval is approved.")).toBeVisible();
  await cs.goto(h);
  await cs.validate("production");

  // A freeze window is in effect; security creates the production override.
  const freezeName = `E2E freeze ${Date.now()}`;
  await expect((await security.addFreeze(freezeName, new Date(Date.now() - 3600_000), new Date(Date.now() + 2 * 3600_000))).getByRole("status")).toHaveText("Window added.");
  await expect(security.page.getByTestId("freeze-banner")).toContainText(freezeName);
  await expect((await security.createOverride("deploy.canary.start", "production", "CHG-2041 planned release window", 60)).getByRole("status")).toHaveText("Override created.");
  await expect(security.page.getByRole("list", { name: "Active overrides" }).locator('li[data-action="deploy.canary.start"]').first()).toContainText("left");

  // The freeze blocks the normal release, with the freeze's name as the reason ...
  await cs.goto(a);
  await expect((await cs.command("Start production rollout")).getByRole("alert")).toContainText(`Production deploys are frozen: ${freezeName}`);
  await cs.expectPhase("Production approval");
  // ... while the board-approved SEV-1 hotfix goes through, and owes a postmortem within 24 h.
  await cs.goto(h);
  await cs.command("Start production rollout");
  await cs.expectPhase("Production rollout");
  await cs.expectPhase("Monitoring window", 60_000);
  await expect(cs.page.getByRole("note")).toContainText("postmortem due");

  // Freeze lifted: the normal release starts under the override.
  await security.goto();
  security.page.once("dialog", (d) => void d.accept());
  await security.page.getByRole("form", { name: `Delete window ${freezeName}` }).getByRole("button", { name: "Delete" }).click();
  await expect(security.page.getByRole("form", { name: `Delete window ${freezeName}` })).toHaveCount(0);
  await cs.goto(a);
  await cs.command("Start production rollout");
  await cs.expectPhase("Monitoring window", 60_000);
  // Runbook 001's deploy-log record of the production rollout names its approvals and commit.
  const production = cs.page.getByRole("region", { name: "Rollouts" }).getByRole("listitem").filter({ hasText: "production" }).getByRole("link");
  const rolloutId = Number((await production.getAttribute("href"))!.split("/").pop());
  const record = (await (await cs.page.request.get(`/api/rollouts/${rolloutId}/deploy-log`)).json()) as Record<string, unknown>;
  expect(record).toMatchObject({ environment: "production", version: "2.0.0", commit: "abcdef1234", approvals: ["SENTINEL", "SERVICE-OWNER"], status: "success", operator: "captain-sentinel@flightdeck.local" });

  // Lockdown: starting another canary is refused with the gate's reason.
  await expect((await security.setGate("lockdown", "none", "E2E incident drill")).getByRole("status")).toHaveText("Gate updated.");
  await expect(security.page.getByTestId("gate-banner")).toHaveAttribute("data-mode", "lockdown");
  const rollouts = new RolloutsPage(await asUser("captain"));
  await rollouts.goto();
  await rollouts.fill({ environment: "staging", version: "2.1.0", strategy: QUICK });
  await rollouts.submit();
  await expect(rollouts.formMessage).toHaveText("Action blocked by security gate: lockdown (E2E incident drill)");

  // Every step is on the record.
  await cs.goto(a);
  for (const action of ["release.create", "preflight.check", "preflight.attest", "release.advance", "approval.request", "approval.grant", "gate.blocked", "gate.override_used"]) {
    await expect(cs.page.locator(`tr[data-action="${action}"]`).first()).toBeAttached();
  }
  for (const action of ["gate.mode_set", "override.create", "window.create", "window.delete"]) await expectAudited(p.captainSentinel, action);
  await p.captainSentinel.goto("/audit?action=gate.blocked");
  await expect(p.captainSentinel.locator('tr[data-action="gate.blocked"]').filter({ hasText: "lockdown" }).first()).toBeVisible();

  // Leave the gate as the demo expects it.
  await security.setGate("monitor");
  await expect(security.page.getByTestId("gate-banner")).toHaveAttribute("data-mode", "monitor");
});

test("a captain edits the rollback plan after approval: the diff, every approval and sign-off voided and asked again, re-signed, re-approved, and the release proceeds", async ({ asUser }) => {
  const p: People = { captainSentinel: await asUser("captainSentinel"), oncall: await asUser("oncall"), feature: await asUser("feature") };
  const sentinel = await asUser("sentinel");
  const owner = await asUser("owner");
  const cs = new ReleasePage(p.captainSentinel);
  const id = await cs.create({ version: "2.3.0", commit: "c0ffee1234", strategy: QUICK, soakMinutes: 0 });
  await throughStaging(p, id);
  const first = await approvalIds(p.captainSentinel, id);
  for (const [page, role] of [[sentinel, "Governance Sentinel"], [owner, "Service owner"]] as const) {
    await decide(page, first.find((x) => x.kind === "production" && x.role === role)!.id, "Approve", "Looks right");
    await expect(page.getByText("This approval is approved.")).toBeVisible();
    // The Approve form is gone once decided; the page-level confirmation says what happened.
    await expect(page.getByTestId("confirmation")).toContainText("Approved: your approval is recorded.");
  }

  // The build is frozen in this phase: the form offers the words, not the version.
  await cs.goto(id);
  const plan = "kubectl rollout undo deployment/sample-api --to-revision=41";
  const form = await cs.edit({ "Rollback plan": plan });
  const diff = form.getByTestId("edit-diff");
  await expect(diff).toContainText(`Rollback plan: Abort the canary`);
  await expect(diff).toContainText(plan);
  await expect(diff).toContainText("requested again: feature_owner/smoke, sentinel/production, service_owner/production");
  await expect(form.getByLabel("Version", { exact: true })).toHaveCount(0);

  // Every approval and the smoke sign-off are void and pending again; production waits for them.
  const second = await approvalIds(p.captainSentinel, id);
  expect(second.filter((x) => x.status === "void")).toHaveLength(3);
  const pending = second.filter((x) => x.status === "pending");
  expect(pending.map((x) => x.kind).sort()).toEqual(["production", "production", "smoke"]);
  await cs.goto(id);
  await expect((await cs.command("Start production rollout")).getByRole("alert")).toHaveText("A feature owner has not signed off the staging smoke tests yet.");

  // The approvers see why in their inbox, then re-sign and re-approve.
  await sentinel.goto("/approvals");
  await expect(sentinel.getByRole("table", { name: "Pending approvals" }).getByRole("row").filter({ hasText: "2.3.0" })).toHaveCount(1);
  await decide(p.feature, pending.find((x) => x.kind === "smoke")!.id, "Approve", "Smoke tests still pass");
  await expect(p.feature.getByText("This approval is approved.")).toBeVisible();
  for (const [page, role] of [[sentinel, "Governance Sentinel"], [owner, "Service owner"]] as const) {
    await decide(page, pending.find((x) => x.kind === "production" && x.role === role)!.id, "Approve", "Re-approved with the new rollback plan");
    await expect(page.getByText("This approval is approved.")).toBeVisible();
  }

  // The release proceeds.
  await cs.goto(id);
  await cs.validate("production");
  await cs.command("Start production rollout");
  await cs.expectPhase("Monitoring window", 60_000);

  // The timeline tells each step as a sentence, the edit with its before and after.
  await cs.goto(id);
  const edit = cs.page.locator('tr[data-action="release.update"]');
  await expect(edit.getByTestId("audit-sentence")).toContainText(`edited release #${id} (sample-api 2.3.0)`);
  await expect(edit.locator("del")).toContainText("Abort the canary");
  await expect(edit.locator("ins")).toHaveText(plan);
  await expect(cs.page.locator('tr[data-action="approval.void"]').getByTestId("audit-sentence")).toContainText("The release changed (rollback plan) after approval was requested.");
  await expect(cs.page.locator('tr[data-action="approval.request"]').first().getByTestId("audit-sentence")).toContainText("requested approval for");
});
