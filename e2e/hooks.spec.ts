import net from "node:net";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "./fixtures";
import { RolloutPage, RolloutsPage, canary } from "./pages/rollouts-page";
import { ServiceAnalysisPage } from "./pages/service-analysis-page";
import { ServicesPage } from "./pages/services-page";

// Step hooks and the external-flag hook (issue 12 items 6 and 5) in the browser: an admin defines
// them, the real worker calls a receiver this test runs on 127.0.0.1, the pages show the outcome.

const stamp = Date.now().toString(36);

/** A local HTTP receiver whose answer the test changes; it keeps what it got. */
async function receiver(initial: { status: number; body: string }) {
  const state = { answer: initial, received: [] as { path: string; body: unknown }[] };
  const server: Server = createServer((req, res) => {
    let text = "";
    req.on("data", (c: Buffer) => (text += c.toString()));
    req.on("end", () => {
      state.received.push({ path: req.url ?? "", body: text ? (JSON.parse(text) as unknown) : null });
      res.writeHead(state.answer.status, { "content-type": "text/plain" }).end(state.answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { state, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

// Port block of this spec: 11000-11999 (tests/services/hooks-execution.test.ts uses 10000-10999).
async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}
async function pickRouterPort(): Promise<number> {
  for (let i = 0; i < 5; i++) {
    const port = 11_000 + i * 200;
    if ((await Promise.all([0, 1, 10, 11, 100, 101, 110, 111].map((d) => portFree(port + d)))).every(Boolean)) return port;
  }
  throw new Error("no free port block in 11000-11999 for the hooks spec");
}

test.describe.serial("step hooks", () => {
  test.setTimeout(180_000);

  test("an admin adds a per-step hook (unknown variable refused, URL masked); its 503 holds the canary with the answer shown; Retry after the fix proceeds", async ({ asUser }) => {
    const hook = await receiver({ status: 503, body: "load test failed: p95 1200ms" });
    try {
      const admin = await asUser("admin");
      const services = new ServicesPage(admin);
      await services.goto();
      const service = `hooks-api-${stamp}`;
      await services.fill({ name: service, description: "Hooks e2e", deployTarget: JSON.stringify({ driver: "local", entry: "sample-service", routerPort: await pickRouterPort(), healthPath: "/health" }) });
      await services.submit();
      await expect(services.form.getByRole("status")).toHaveText("Saved.");
      // No traffic reaches this service: canary analysis would hold the canary for want of data.
      const analysis = new ServiceAnalysisPage(admin);
      await analysis.goto(service);
      await analysis.save({ enabled: false });

      const add = admin.getByRole("form", { name: "Add a step hook" });
      await add.getByLabel("Name", { exact: true }).fill("load-test");
      await add.getByLabel("Runs", { exact: true }).selectOption("per_step");
      await add.getByLabel("URL", { exact: true }).fill(`${hook.base}/load/e2eSecretToken`);
      const body = add.getByLabel("Body template (JSON)", { exact: true });
      await body.fill('{"flag": "{{flag}}"}');
      await add.getByRole("button", { name: "Add hook" }).click();
      await expect(add.getByText(/^Unknown variable \{\{flag\}\}: the body can use \{\{service\}\}, /)).toBeVisible();
      await expect(body).toHaveAttribute("aria-invalid", "true");
      await body.fill('{"weight": {{weight}}, "version": "{{version}}"}');
      await add.getByRole("button", { name: "Add hook" }).click();
      await expect(add.getByRole("status")).toHaveText("Hook added.");
      const list = admin.getByRole("list", { name: "Step hooks" });
      await expect(list).toContainText(`load-test — Each traffic step (after the weight is set, before the hold), POST ${hook.base}/…oken`);
      await expect(admin.locator("body")).not.toContainText("e2eSecretToken");

      const captain = await asUser("captain");
      await new RolloutsPage(captain).goto();
      const id = await new RolloutsPage(captain).start({ service, environment: "staging", version: "1.0.0", strategy: canary([50, 0], [100, 0]) });
      const rollout = new RolloutPage(captain);
      await expect(rollout.status).toHaveText("failed", { timeout: 60_000 });
      await expect(captain.getByText('Step hook "load-test" (per-step) failed after 1 attempt: HTTP 503: load test failed: p95 1200ms').first()).toBeVisible();
      await expect(rollout.weight).toContainText("50");
      expect(hook.state.received.map((r) => r.body)).toEqual([{ weight: 50, version: "1.0.0" }]);

      hook.state.answer = { status: 200, body: "load test passed" };
      await rollout.control("Retry failed step").click();
      await expect(rollout.status).toHaveText("succeeded", { timeout: 60_000 });
      expect(hook.state.received.map((r) => r.body)).toEqual([{ weight: 50, version: "1.0.0" }, { weight: 50, version: "1.0.0" }, { weight: 100, version: "1.0.0" }]);
      expect(id).toBeGreaterThan(0);
    } finally {
      hook.close();
    }
  });
});

test("an admin points a flag at an external flag service (ftp refused, URL masked); a change is sent and its outcome shown on the flag page", async ({ asUser }) => {
  const service = await receiver({ status: 200, body: "ok" });
  try {
    const admin = await asUser("admin");
    await admin.goto("/flags");
    const key = `e2e_ext_${stamp}`;
    const create = admin.getByRole("form", { name: "Add flag" });
    await create.getByLabel("Key", { exact: true }).fill(key);
    await create.getByRole("button", { name: "Add flag" }).click();
    await expect(create.getByRole("status")).toHaveText("Saved.");
    await admin.getByRole("link", { name: key, exact: true }).click();
    await expect(admin.getByRole("heading", { name: `Flag ${key}` })).toBeVisible();

    const endpoint = admin.getByRole("form", { name: "External flag service" });
    await endpoint.getByLabel("Flag service URL", { exact: true }).fill("ftp://flags.example/x");
    await endpoint.getByRole("button", { name: "Save endpoint" }).click();
    await expect(endpoint.getByText("Use an http:// or https:// URL: other schemes cannot receive webhooks.")).toBeVisible();
    await endpoint.getByLabel("Flag service URL", { exact: true }).fill(`${service.base}/feature-flags/${key}?token=e2eSecretToken`);
    await endpoint.getByRole("button", { name: "Save endpoint" }).click();
    await expect(endpoint.getByRole("status")).toHaveText("Saved.");
    await admin.reload();
    await expect(admin.getByText(`POST ${service.base}/…oken`)).toBeVisible();
    await expect(admin.locator("body")).not.toContainText("e2eSecretToken");

    const edit = admin.getByRole("form", { name: "Save flag" });
    await edit.getByLabel("Rollout percentage", { exact: true }).fill("30");
    await edit.getByLabel("Enabled").check();
    await edit.getByRole("button", { name: "Save flag" }).click();
    await expect(edit.getByRole("status")).toHaveText("Saved.");
    await expect.poll(() => service.state.received.length, { timeout: 20_000 }).toBe(1);
    expect(service.state.received[0]).toEqual({ path: `/feature-flags/${key}?token=e2eSecretToken`, body: { enabled: true, rollout_percentage: 30, environment: "" } });
    await expect(async () => {
      await admin.reload();
      await expect(admin.getByTestId("flag-last-sync")).toContainText("Sent on, 30%", { timeout: 2000 });
    }).toPass({ timeout: 20_000 });
  } finally {
    service.close();
  }
});
