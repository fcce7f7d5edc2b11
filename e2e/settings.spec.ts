import { expect, test } from "./fixtures";
import { AuditPage } from "./pages/audit-page";
import { EnvironmentsPage } from "./pages/environments-page";
import { ServicesPage } from "./pages/services-page";
import { uniqueSuffix } from "./support/accounts";

const LOCAL_TARGET = JSON.stringify({ driver: "local", entry: "sample-service", routerPort: 4100, healthPath: "/health" });

test.describe("services: bad input is refused with a clear message and nothing is created", () => {
  test("invalid JSON deploy target", async ({ asUser }) => {
    const services = new ServicesPage(await asUser("admin"));
    const name = `e2e-json-${uniqueSuffix()}`;
    await services.goto();
    await services.fill({ name, deployTarget: "{ driver: local" });
    await services.submit();
    await expect(services.formMessage).toHaveAttribute("data-code", "INVALID");
    await expect(await services.fieldError("Deploy target (JSON)")).toHaveText("Deploy target must be valid JSON.");
    await expect(services.field("Deploy target (JSON)")).toHaveAttribute("aria-invalid", "true");
    // What was typed is kept for correction.
    await expect(services.field("Name")).toHaveValue(name);
    await services.goto();
    await expect(services.serviceLink(name)).toHaveCount(0);
  });

  test("unknown driver", async ({ asUser }) => {
    const services = new ServicesPage(await asUser("admin"));
    const name = `e2e-driver-${uniqueSuffix()}`;
    await services.goto();
    await services.fill({ name, deployTarget: JSON.stringify({ driver: "kubernetes", namespace: "prod" }) });
    await services.submit();
    await expect(services.formMessage).toHaveAttribute("data-code", "INVALID");
    await expect(await services.fieldError("Deploy target (JSON)")).toContainText("Unknown driver: choose one of local, pm2, command, proxy.");
    await services.goto();
    await expect(services.serviceLink(name)).toHaveCount(0);
  });

  test("duplicate name", async ({ asUser }) => {
    const services = new ServicesPage(await asUser("admin"));
    await services.goto();
    await expect(services.serviceLink("sample-api")).toHaveCount(1);
    await services.fill({ name: "sample-api", deployTarget: LOCAL_TARGET });
    await services.submit();
    await expect(services.formMessage).toHaveAttribute("data-code", "CONFLICT");
    await expect(services.formMessage).toHaveText('A service named "sample-api" already exists.');
    await expect(await services.fieldError("Name")).toHaveText("This name is taken.");
    await services.goto();
    await expect(services.serviceLink("sample-api")).toHaveCount(1);
  });

  test("name with uppercase letters", async ({ asUser }) => {
    const services = new ServicesPage(await asUser("admin"));
    const name = `E2E-Upper-${uniqueSuffix()}`;
    await services.goto();
    await services.fill({ name, deployTarget: LOCAL_TARGET });
    await services.submit();
    await expect(services.formMessage).toHaveAttribute("data-code", "INVALID");
    await expect(await services.fieldError("Name")).toHaveText("Use lowercase letters, digits and dashes, starting with a letter.");
    await expect(services.field("Name")).toHaveAttribute("aria-invalid", "true");
    await services.goto();
    await expect(services.serviceLink(name)).toHaveCount(0);
    await expect(services.serviceLink(name.toLowerCase())).toHaveCount(0);
  });
});

test("a valid service is created, listed and audited", async ({ asUser }) => {
  const admin = await asUser("admin");
  const services = new ServicesPage(admin);
  const name = `e2e-svc-${uniqueSuffix()}`;
  await services.goto();
  await services.fill({ name, owner: "E2E team", description: "Created by the e2e suite", deployTarget: LOCAL_TARGET });
  await services.submit();
  await expect(services.form.getByRole("status")).toHaveText("Saved.");
  await expect(services.formMessage).toHaveCount(0);
  const row = services.serviceRow(name);
  await expect(row).toContainText("E2E team");
  await expect(row).toContainText("local");

  // Its page opens (and shows the stored target).
  await services.serviceLink(name).click();
  await expect(admin.getByRole("heading", { level: 1, name: `Service ${name}` })).toBeVisible();
  await expect(admin.getByLabel("Deploy target (JSON)")).toHaveValue(/"routerPort": 4100/);

  const audit = new AuditPage(admin);
  await audit.goto();
  await audit.filter({ actor: "admin@flightdeck.local", action: "service.create" });
  await expect(audit.rows.filter({ hasText: `"name":"${name}"` })).toHaveCount(1);
});

test("an environment is created, listed and audited", async ({ asUser }) => {
  const admin = await asUser("admin");
  const envs = new EnvironmentsPage(admin);
  const name = `e2e-env-${uniqueSuffix()}`;
  await envs.goto();
  await envs.create({ name, description: "E2E canary ring", production: true, order: 5 });
  await expect(envs.row(name)).toContainText("production");
  await expect(envs.row(name)).toContainText("E2E canary ring");

  // The new environment is offered as an audit filter, and its creation is recorded under it.
  const audit = new AuditPage(admin);
  await audit.goto();
  await audit.filter({ action: "environment.create", environment: name });
  await expect(audit.rows).toHaveCount(1);
  await expect(audit.rows.first()).toContainText("admin@flightdeck.local");
});

test("an unknown service id shows the not-found page", async ({ asUser }) => {
  const admin = await asUser("admin");
  const res = await admin.goto("/settings/services/999999");
  expect(res?.status()).toBe(404);
  await expect(admin.getByRole("heading", { level: 1, name: "Not found" })).toBeVisible();
  const bad = await admin.goto("/settings/services/not-a-number");
  expect(bad?.status()).toBe(404);
});

test("settings pages are admin-only even for a direct visit", async ({ asUser }) => {
  const dev = await asUser("dev");
  for (const path of ["/settings", "/settings/services", "/settings/environments", "/settings/services/1"]) {
    await dev.goto(path);
    await expect(dev.getByRole("heading", { name: "Forbidden", exact: true })).toBeVisible();
  }
});
