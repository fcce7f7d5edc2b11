import { expect, test } from "./fixtures";
import { ReleasePage, approvalIds } from "./pages/releases-page";
import { canary } from "./pages/rollouts-page";
import { account, storageStatePath } from "./support/accounts";
import { CONTROL_TEXT, startForeignOrigin } from "./support/foreign-origin";
import { expectScriptsNonced, expectSecured } from "./support/security-headers";

// The approval screen is the clickjacking target (issue 10): a real approval, framed by another
// origin. Reaching one deploys sample-api to staging, which the rollout journeys of the
// "chromium" project must not meet: this spec has its own project, after them (playwright.config.ts).

test.setTimeout(180_000);

test("a real approval screen carries the security headers and does not load in another origin's iframe", async ({ asUser, playwright, baseURL }) => {
  const captain = await asUser("captain");
  const oncall = await asUser("oncall");
  const feature = await asUser("feature");

  // A release through pre-flight and its staging deploy: the feature owner's smoke sign-off opens.
  const release = new ReleasePage(captain);
  const id = await release.create({ version: `8.${Date.now() % 100000}.1`, commit: "c0ffee12", strategy: canary([50, 1], [100, 0]) });
  await release.expectPhase("Pre-flight");
  await release.runChecks();
  for (const key of ["quality_gates", "runbooks_updated", "feature_freeze"]) await release.sign(key, `CI run #${id} green`);
  const asOncall = new ReleasePage(oncall);
  await asOncall.goto(id);
  for (const key of ["rollback_rehearsed", "oncall_notified", "backup_verified"]) await asOncall.sign(key, `OPS-${id}: done`);
  const asFeature = new ReleasePage(feature);
  await asFeature.goto(id);
  await asFeature.sign("migrations_confirmed", "No migrations in this release");
  await release.goto(id);
  await release.validate("staging");
  await release.command("Deploy to staging");
  await release.expectPhase("Staging soak", 90_000);
  const smoke = (await approvalIds(feature, id)).find((a) => a.kind === "smoke");
  expect(smoke?.status).toBe("pending");
  const target = `/approvals/${smoke!.id}`;

  // Headers, and every script with its nonce.
  const request = await playwright.request.newContext({ baseURL, storageState: storageStatePath(account("feature").email) });
  const res = await request.get(target);
  expect(res.status()).toBe(200);
  expectScriptsNonced(await res.text(), expectSecured(res, target), target);
  await request.dispose();

  // The approver's own browser shows the screen (with its Approve button)...
  await feature.goto(target);
  await expect(feature.getByRole("form", { name: "Approve" })).toBeVisible();

  // ...but not inside another origin's page.
  const foreign = await startForeignOrigin();
  try {
    const refusals: string[] = [];
    feature.on("console", (m) => {
      if (/frame-ancestors|X-Frame-Options/i.test(m.text())) refusals.push(m.text());
    });
    const answered = feature.waitForResponse((r) => r.url() === `${baseURL}${target}`);
    await feature.goto(foreign.framePage(`${baseURL}${target}`));
    expect((await answered).status()).toBe(200);
    await expect(feature.frameLocator("#control").locator("#control-text")).toHaveText(CONTROL_TEXT);
    await expect.poll(() => refusals.length, { message: "Chromium's refusal to frame the approval" }).toBeGreaterThan(0);
    expect(refusals[0]).toMatch(/frame-ancestors 'none'|X-Frame-Options.*deny/i);
    const frame = await (await feature.locator("#target").elementHandle()).contentFrame();
    expect(frame?.url() ?? "").not.toContain(target);
    await expect(feature.frameLocator("#target").getByRole("form", { name: "Approve" })).toHaveCount(0);
  } finally {
    await foreign.close();
  }
});
