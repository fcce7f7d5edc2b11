import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "./fixtures";
import { ServicesPage } from "./pages/services-page";
import { uniqueSuffix } from "./support/accounts";

// "Start from a preset" (issue 13 item 6): an admin fills a Kubernetes preset's parameters, the
// deploy-target field gets the rendered command target, and the service saves with it.
test("a Kubernetes preset fills the deploy target; a wrong parameter is named under its field and fills nothing", async ({ asUser }) => {
  const services = new ServicesPage(await asUser("admin"));
  await services.goto();
  const preset = services.form.getByRole("group", { name: "Preset parameters" });
  await services.form.getByText("Start from a preset").click();
  await preset.getByLabel("Preset", { exact: true }).selectOption("kubernetes-nginx-ingress");
  const before = await services.field("Deploy target (JSON)").inputValue();

  await preset.getByLabel("Namespace", { exact: true }).fill("Production");
  await preset.getByLabel("Main deployment", { exact: true }).fill("app");
  await preset.getByLabel("Canary deployment", { exact: true }).fill("app-canary");
  await preset.getByLabel("Container", { exact: true }).fill("app");
  await preset.getByLabel("Image (without tag)", { exact: true }).fill("registry.example.com/app");
  await preset.getByLabel("Canary ingress", { exact: true }).fill("app-canary");
  await preset.getByRole("button", { name: "Fill the deploy target" }).click();
  const namespace = preset.getByLabel("Namespace", { exact: true });
  await expect(namespace).toHaveAttribute("aria-invalid", "true");
  await expect(preset.getByText("The namespace must be a Kubernetes name")).toBeVisible();
  await expect(services.field("Deploy target (JSON)")).toHaveValue(before);
  // The open block with its errors meets WCAG 2.1 AA like every page (e2e/a11y.spec.ts checks it closed).
  const axe = await new AxeBuilder({ page: services.page }).include("form[aria-label='Add service'] details").withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const blocking = axe.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.help}`);
  expect(axe.passes.length, "axe checked the preset block").toBeGreaterThan(0);
  expect(blocking).toEqual([]);

  await namespace.fill("production");
  await preset.getByRole("button", { name: "Fill the deploy target" }).click();
  await expect(services.field("Deploy target (JSON)")).toHaveValue(/kubectl annotate ingress app-canary nginx\.ingress\.kubernetes\.io\/canary-weight=\{\{weight\}\} --overwrite -n production/);
  await expect(preset.getByText("review or edit them, then save")).toBeVisible();

  const name = `e2e-k8s-${uniqueSuffix()}`;
  await services.field("Name").fill(name);
  await services.field("Owner").fill("E2E team");
  await services.submit();
  await expect(services.form.getByRole("status")).toHaveText("Saved.");
  await expect(services.serviceRow(name)).toContainText("command");
  await services.serviceLink(name).click();
  await expect(services.page.getByLabel("Deploy target (JSON)", { exact: true })).toHaveValue(/kubectl set image deployment\/app-canary app=registry\.example\.com\/app:\{\{version\}\} -n production/);
});
